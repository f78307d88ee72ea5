#!/usr/bin/env bash
# Runs docker-compose.yml for real and plays the three proofs against the containers.
#
#   scripts/compose-check.sh                  the whole check (as root; .ci/run calls it)
#   scripts/compose-check.sh --prerequisites  only install what it needs from Debian
#   scripts/compose-check.sh --up-after FILE  build the images first, then wait until FILE exists
#                                             before anything is started (.ci/run builds them while
#                                             the tests run, and creates FILE when they are done)
#
# It starts its own Docker engine (own data folder, own socket, under a temporary folder: a Docker
# already on the machine is never touched), builds a stand-in JDK base image from Debian (Docker
# Hub is not reachable here), builds both services through the project's Dockerfile with that
# stand-in as JDK_IMAGE/JRE_IMAGE, and runs service-a, service-b and a stand-in Prometheus (Debian's
# package, laid out as prom/prometheus) with Compose. Grafana is not run: its image cannot be
# pulled or packaged here. The pair runs in mutual TLS, the file's default: the check looks at the
# certificates the one-shot "certs" made, has A's gRPC port refuse clients without B's certificate
# (openssl s_client from the host), runs `up` a second time (nothing regenerated) and rotates the
# certificates under the running services. Whatever happens, it removes what it made (containers,
# networks, volumes, images, the engine, its folder) and checks that nothing it started still listens.
#
# Environment: the host ports of docker-compose.yml (B_PORT, B_MANAGEMENT_PORT, A_GRPC_PORT,
# A_HTTP_PORT, PROMETHEUS_PORT; BIND_ADDRESS), DEBIAN_MIRROR for debootstrap. Outside CI the stand-in's Debian
# tree is cached for a week in ~/.cache/lab1-compose-check (plain Debian packages; the host's CA
# trust is added at each run, never cached).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PACKAGES=(docker.io docker-compose debootstrap prometheus openssl)
SUITE=bookworm
# The stand-in Prometheus server comes from Debian's next release: bookworm's 2.42 rejects the
# whole scrape of B ("http_server_requests_seconds_count does not support exemplars"; accepted
# since 2.43, prometheus#11984, and by the pinned upstream image). promtool is bookworm's: the
# newer package does not ship it.
PROMETHEUS_SUITE=trixie
STANDIN_PACKAGES=openjdk-17-jdk-headless,ca-certificates
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PROJECT=lab1check
STANDIN=lab1check/standin-jdk:$SUITE
STANDIN_PROMETHEUS=lab1check/standin-prometheus:latest
STOP_GRACE=15     # stop_grace_period of both services in docker-compose.yml
unset A_DELAY     # the run starts with A at normal speed, whatever the caller's shell says
unset TLS_MODE    # ... and in mutual TLS, the file's default
export BIND_ADDRESS=${BIND_ADDRESS:-127.0.0.1}
export B_PORT=${B_PORT:-8081} B_MANAGEMENT_PORT=${B_MANAGEMENT_PORT:-9081}
export A_GRPC_PORT=${A_GRPC_PORT:-8080} A_HTTP_PORT=${A_HTTP_PORT:-9080} PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
HOST_PORTS=("$B_PORT" "$B_MANAGEMENT_PORT" "$A_GRPC_PORT" "$A_HTTP_PORT" "$PROMETHEUS_PORT")
B=http://127.0.0.1:$B_PORT
[[ $BIND_ADDRESS == 127.* || $BIND_ADDRESS == 0.0.0.0 ]] || B=http://$BIND_ADDRESS:$B_PORT
B_ACTUATOR=${B%:*}:$B_MANAGEMENT_PORT   # B's Actuator: its management port, not the public one
PROMETHEUS=${B%:*}:$PROMETHEUS_PORT
A_GRPC=${B#http://}
A_GRPC=${A_GRPC%:*}:$A_GRPC_PORT       # A's gRPC port, for the TLS clients of the check

START=$SECONDS
STEP="start"
TIMES=()
step() {
    [[ $STEP == start ]] || TIMES+=("$(printf '%4ds  %s' $((SECONDS - STEP_START)) "$STEP")")
    STEP=$1
    STEP_START=$SECONDS
    printf '\n==> [%3ds] %s\n' $((SECONDS - START)) "$STEP"
}
say() { printf '    %s\n' "$*"; }
fail() {
    echo "FAILED in step \"$STEP\": $*" >&2
    exit 1
}

# --- prerequisites ---------------------------------------------------------------------------
install_prerequisites() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v promtool >/dev/null || missing+=(prometheus)
    command -v openssl >/dev/null || missing+=(openssl)
    if ((${#missing[@]} == 0)); then
        say "already installed: ${PACKAGES[*]}"
        return
    fi
    say "installing from Debian: ${missing[*]}"
    # Installing must not start the packages' own daemons (a system dockerd, a Prometheus on :9090):
    # policy-rc.d is Debian's switch for that, put in place only for this install.
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=$policy
    fi
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || {
        [[ -z $own_policy ]] || rm -f "$own_policy"
        fail "apt-get install ${missing[*]}"
    }
    [[ -z $own_policy ]] || rm -f "$own_policy"
}

if [[ ${1:-} == --prerequisites ]]; then
    step "prerequisites"
    install_prerequisites
    exit 0
fi
UP_AFTER=""
if [[ ${1:-} == --up-after ]]; then
    UP_AFTER=${2:-}
    [[ -n $UP_AFTER ]] || fail "--up-after needs a file"
elif [[ -n ${1:-} ]]; then
    fail "unknown argument: $1 (--prerequisites, --up-after FILE, or none)"
fi
[[ $(id -u) == 0 ]] || fail "run as root: it starts its own Docker engine"

# --- teardown: whatever happens ---------------------------------------------------------------
WORK=""
DOCKERD_PID=""
exec {SCRIPT_OUT}>&1 {SCRIPT_ERR}>&2
teardown() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    # A signal during a redirected command (docker build > build-….log) runs this with that
    # redirection still in place: back to the script's own output first.
    exec 1>&"$SCRIPT_OUT" 2>&"$SCRIPT_ERR"
    if ((rc != 0)); then
        echo "FAILED (exit $rc) in step \"$STEP\"" >&2
        if [[ -n $DOCKERD_PID ]] && compose ps -q >/dev/null 2>&1; then
            for service in $(compose ps --services 2>/dev/null); do
                [[ -n $(compose ps -q "$service" 2>/dev/null) ]] || continue
                echo "--- last log lines of $service ---" >&2
                compose logs --no-color --tail=40 "$service" >&2 2>&1 || true
            done
        fi
        for log in "${WORK:-/nonexistent}"/*.log; do
            [[ -f $log ]] || continue
            echo "--- last lines of $(basename "$log") ---" >&2
            tail -n 15 "$log" >&2
        done
    fi
    step "teardown"
    local leftovers=0
    if [[ -n $DOCKERD_PID ]]; then
        compose down --volumes --remove-orphans --timeout "$STOP_GRACE" >/dev/null 2>&1 || true
        docker rmi -f lab1/service-a:latest lab1/service-b:latest "$STANDIN_PROMETHEUS" "$STANDIN" \
            lab1check/standin-rootfs >/dev/null 2>&1 || true
        docker image prune -f >/dev/null 2>&1 || true
        kill "$DOCKERD_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
        if kill -0 "$DOCKERD_PID" 2>/dev/null; then
            say "dockerd did not stop in 30 s: killing it"
            kill -KILL "$DOCKERD_PID" 2>/dev/null || true
            sleep 1
        fi
        say "engine stopped"
    fi
    if [[ -n $WORK && -d $WORK ]]; then
        # Whatever still runs from this run's folder (a containerd shim after a killed engine) is ours.
        local pids="" proc
        for proc in /proc/[0-9]*; do
            [[ $(tr '\0' ' ' < "$proc/cmdline" 2>/dev/null) == *"$WORK"* ]] && pids+=" ${proc#/proc/}"
        done
        if [[ -n $pids ]]; then
            say "stopping leftover processes: $pids"
            kill -KILL $pids 2>/dev/null || true
            sleep 1
        fi
        # Mounts the engine left under its folder (after a kill): deepest first.
        awk -v dir="$WORK" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mount; do
            umount -l "$mount" 2>/dev/null || true
        done
        rm -rf "$WORK" || { say "could not remove $WORK"; leftovers=1; }
        [[ ! -e $WORK ]] && say "removed $WORK"
    fi
    # Nothing this run started may still listen (its published ports, its engine's processes).
    local listening
    listening=$(ss -Hltn 2>/dev/null | awk '{ print $4 }' | grep -E ":($(IFS='|'; echo "${HOST_PORTS[*]}"))\$" || true)
    if [[ -n $listening && ${PORTS_WERE_FREE:-no} == yes ]]; then
        say "still listening after the check: $listening"
        leftovers=1
    fi
    if [[ -n $DOCKERD_PID ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
        say "dockerd $DOCKERD_PID still runs"
        leftovers=1
    fi
    ((leftovers == 0)) && say "nothing left: no engine, no folder, none of ports ${HOST_PORTS[*]} listening"
    if ((rc == 0)); then
        TIMES+=("$(printf '%4ds  %s' $((SECONDS - STEP_START)) "$STEP")")
        echo
        echo "Compose check passed in $((SECONDS - START)) s:"
        printf '  %s\n' "${TIMES[@]}"
    fi
    ((rc != 0)) && exit "$rc"
    exit "$leftovers"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# The engine's own client (docker.io's), not another docker on the PATH: the API versions match.
docker() { DOCKER_HOST=unix://$WORK/engine/docker.sock /usr/bin/docker "$@"; }
compose() {
    DOCKER_HOST=unix://$WORK/engine/docker.sock \
        docker-compose --project-name "$PROJECT" --project-directory "$ROOT" \
        -f "$ROOT/docker-compose.yml" -f "$WORK/standins.yml" "$@"
}

# --- helpers for the proofs -------------------------------------------------------------------
# call URL -> sets HTTP (status), BODY, TIME (seconds)
call() {
    local out body=$WORK/body.$BASHPID
    out=$(curl -s -m 10 -o "$body" -w '%{http_code} %{time_total}' "$1" || true)
    HTTP=${out%% *}
    TIME=${out#* }
    BODY=$(cat "$body" 2>/dev/null || true)
    rm -f "$body"
}
container() { compose ps -q "$1"; }
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$(container "$1")"; }
wait_healthy() {
    local service=$1 deadline=$((SECONDS + 120)) status=""
    while ((SECONDS < deadline)); do
        status=$(health "$service")
        [[ $status == healthy ]] && { say "$service: healthy after $((SECONDS - STEP_START)) s"; return; }
        [[ $status == unhealthy ]] && fail "$service's healthcheck says unhealthy"
        sleep 1
    done
    fail "$service not healthy within 120 s (last: $status)"
}
# tls_client NAME [s_client options]: a TLS client of A's gRPC port from the host, as a gRPC client
# would be (ALPN h2), checking A's certificate against the CA of the volume and the name B checks
# (service-a). It stays connected 2 s, long enough to read what A answers after the handshake (a
# refused client certificate is a TLS 1.3 alert that follows the client's Finished). Output in
# $WORK/tls-NAME.out.
tls_client() {
    local name=$1
    shift
    { sleep 2; } | timeout 20 openssl s_client -connect "$A_GRPC" -alpn h2 -CAfile "$WORK/tls/ca.crt" \
        -verify_hostname service-a -verify_return_error "$@" > "$WORK/tls-$name.out" 2>&1 || true
}
tls_line() { grep -a -m1 -E "$1" "$WORK/tls-$2.out" || true; }
# bundle_loads CONTAINER BUNDLE: how many times it has put its SSL bundle in use (start, reloads)
bundle_loads() { docker logs "$1" 2>&1 | grep -c "SSL bundle '$2' in use" || true; }
expect_answer() {  # expect_answer HTTP REASON-FRAGMENT
    [[ $HTTP == "$1" && $BODY == *"$2"* ]] || fail "expected HTTP $1 with $2, got HTTP $HTTP: $BODY"
    say "HTTP $HTTP in ${TIME}s: $BODY"
}
# stop_service SERVICE: docker-compose stop, which must end it with exit code 0 within its grace
stop_service() {
    local service=$1 id started
    id=$(container "$service")
    started=$SECONDS
    compose stop "$service" 2>&1 | sed 's/^/    /'
    local took=$((SECONDS - started)) code
    code=$(docker inspect -f '{{.State.ExitCode}}' "$id")
    ((code == 0)) || fail "$service ended with exit code $code on stop (0 expected)"
    ((took < STOP_GRACE)) || fail "$service took ${took}s to stop (grace period ${STOP_GRACE}s)"
    say "$service stopped: exit code 0 after ${took}s (grace ${STOP_GRACE}s)"
}

# --- the check --------------------------------------------------------------------------------
check_ports_free() {
    local port
    for port in "${HOST_PORTS[@]}"; do
        if ss -Hltn | awk '{ print $4 }' | grep -qE ":$port\$"; then
            fail "port $port is already in use on this machine; move it (B_PORT, B_MANAGEMENT_PORT, A_GRPC_PORT, A_HTTP_PORT, PROMETHEUS_PORT)"
        fi
    done
}
step "prerequisites"
install_prerequisites
check_ports_free

step "own Docker engine"
WORK=$(mktemp -d /tmp/lab1-compose-check.XXXXXX)
mkdir -p "$WORK/engine"
# The stand-ins replace what Docker Hub would give (Grafana is not started at all).
cat > "$WORK/standins.yml" <<EOF
services:
  prometheus:
    image: $STANDIN_PROMETHEUS
EOF
# overlay2 where the kernel and file system allow it (much faster builds); vfs works everywhere.
for driver in overlay2 vfs; do
    dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver="$driver" \
        --data-root="$WORK/engine/root" --exec-root="$WORK/engine/exec" --pidfile="$WORK/engine/pid" \
        -H "unix://$WORK/engine/docker.sock" > "$WORK/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for _ in $(seq 1 30); do
        docker version >/dev/null 2>&1 && break
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 1
    done
    docker version >/dev/null 2>&1 && break
    say "dockerd with $driver did not start; $(tail -n 1 "$WORK/dockerd.log")"
    kill "$DOCKERD_PID" 2>/dev/null || true
    wait "$DOCKERD_PID" 2>/dev/null || true
    DOCKERD_PID=""
    rm -rf "$WORK/engine/root" "$WORK/engine/exec"
done
[[ -n $DOCKERD_PID ]] || fail "could not start dockerd (see dockerd.log)"
say "dockerd $(docker version -f '{{.Server.Version}}') pid $DOCKERD_PID, storage $driver, socket $WORK/engine/docker.sock"

step "stand-in JDK base image (Debian $SUITE: $STANDIN_PACKAGES)"
cache_dir=${XDG_CACHE_HOME:-$HOME/.cache}/lab1-compose-check
cache=$cache_dir/rootfs-$SUITE-$(echo "$STANDIN_PACKAGES" | md5sum | cut -c1-8).tar
if [[ ${CI:-} != true && -s $cache && -n $(find "$cache" -mtime -7) ]]; then
    say "Debian tree from the cache: $cache"
else
    say "debootstrap from $DEBIAN_MIRROR"
    debootstrap --variant=minbase --include="$STANDIN_PACKAGES" "$SUITE" "$WORK/rootfs" "$DEBIAN_MIRROR" \
        > "$WORK/debootstrap.log" 2>&1 || fail "debootstrap (see debootstrap.log)"
    rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
    if [[ ${CI:-} == true ]]; then
        cache=$WORK/rootfs.tar
    else
        mkdir -p "$cache_dir"
    fi
    tar -C "$WORK/rootfs" -cf "$cache.partial" . && mv "$cache.partial" "$cache"
    rm -rf "$WORK/rootfs" "$WORK/debootstrap.log"
fi
docker import "$cache" lab1check/standin-rootfs >/dev/null
# Maven Central is reached through the host's CA trust (a proxy's CA included).
mkdir -p "$WORK/standin"
cp /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/java/cacerts "$WORK/standin/"
cat > "$WORK/standin/Dockerfile" <<'EOF'
FROM lab1check/standin-rootfs
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY cacerts /etc/ssl/certs/java/cacerts
EOF
docker build -q -t "$STANDIN" "$WORK/standin" >/dev/null
say "$STANDIN: $(docker run --rm "$STANDIN" java -version 2>&1 | head -n 1)"

for service in service-a service-b; do
    step "build $service through the Dockerfile"
    docker build --network host --build-arg JDK_IMAGE="$STANDIN" --build-arg JRE_IMAGE="$STANDIN" \
        --build-arg SERVICE="$service" -t "lab1/$service:latest" "$ROOT" > "$WORK/build-$service.log" 2>&1 \
        || fail "docker build of $service (see build-$service.log)"
    say "lab1/$service:latest, $(docker image inspect -f '{{.Size}}' "lab1/$service:latest" | awk '{ printf "%d MB", $1 / 1e6 }'),"\
        "user $(docker image inspect -f '{{.Config.User}}' "lab1/$service:latest"), $(grep -c 'Using cache' "$WORK/build-$service.log") steps from cache"
    rm -f "$WORK/build-$service.log"
done

step "stand-in Prometheus image (Debian $PROMETHEUS_SUITE's prometheus, bookworm's promtool)"
mkdir -p "$WORK/prometheus" "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial"
echo "deb $DEBIAN_MIRROR $PROMETHEUS_SUITE main" > "$WORK/apt/sources.list"
apt_private=(-o Dir::Etc::SourceList="$WORK/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o Dir::State::Lists="$WORK/apt/lists" -o Dir::Cache="$WORK/apt/cache" -o APT::Sandbox::User=root)
(cd "$WORK/apt" && apt-get "${apt_private[@]}" -qq update && apt-get "${apt_private[@]}" -qq download prometheus) \
    > "$WORK/apt.log" 2>&1 || fail "download of $PROMETHEUS_SUITE's prometheus package (see apt.log)"
dpkg-deb -x "$WORK"/apt/prometheus_*.deb "$WORK/apt/x"
cp "$WORK/apt/x/usr/bin/prometheus" "$(command -v promtool)" "$WORK/prometheus/"
say "prometheus $(basename "$WORK"/apt/prometheus_*.deb .deb | cut -d_ -f2), promtool $(dpkg-query -W -f '${Version}' prometheus)"
rm -rf "$WORK/apt" "$WORK/apt.log"
docker build -q --build-arg BASE_IMAGE="$STANDIN" -t "$STANDIN_PROMETHEUS" \
    -f "$ROOT/observability/prometheus/standin.Dockerfile" "$WORK/prometheus" >/dev/null
say "$STANDIN_PROMETHEUS stands in for $(awk '/image: prom\// { print $2 }' docker-compose.yml)"

step "promtool: check config and rules, as Compose mounts them"
compose run --rm --no-deps --entrypoint promtool prometheus check config /etc/prometheus/prometheus.yml 2>&1 | sed 's/^/    /'
[[ ${PIPESTATUS[0]} == 0 ]] || fail "promtool check config"
compose run --rm --no-deps --entrypoint promtool prometheus check rules /etc/prometheus/alerts.yml 2>&1 | sed 's/^/    /'
[[ ${PIPESTATUS[0]} == 0 ]] || fail "promtool check rules"

if [[ -n $UP_AFTER ]]; then
    step "waiting for $UP_AFTER"
    until [[ -e $UP_AFTER ]]; do
        kill -0 "$PPID" 2>/dev/null || fail "its caller (pid $PPID) has gone"
        sleep 2
    done
    check_ports_free   # again: the wait may have been long
fi
PORTS_WERE_FREE=yes

step "docker-compose up service-a service-b prometheus"
compose up -d --no-build service-a service-b prometheus 2>&1 | sed 's/^/    /'
[[ ${PIPESTATUS[0]} == 0 ]] || fail "docker-compose up"
wait_healthy service-a
wait_healthy service-b
B_ID=$(container service-b)
B_STARTED=$(docker inspect -f '{{.State.StartedAt}}' "$B_ID")
# B's Actuator is on its management port (the healthcheck above asked it there); the public port
# has none: /actuator there is a 404 in B's JSON.
call "$B_ACTUATOR/actuator/health/readiness"
expect_answer 200 '"status":"UP"'
call "$B/actuator/health"
expect_answer 404 '{"error":"Not Found","status":404}'

step "mutual TLS: certificates from the one-shot, A refuses a client without B's certificate"
# The one-shot made them on this first up, into its volumes.
CERTS_ID=$(container certs)
docker logs "$CERTS_ID" 2>&1 | sed 's/^/    certs: /'
[[ $(docker inspect -f '{{.State.ExitCode}}' "$CERTS_ID") == 0 ]] || fail "the one-shot certs did not exit 0"
# Each service sees only its own directory, read-only, and its key is readable by its user; the
# CA's key is in neither.
A_ID=$(container service-a)
for service in service-a service-b; do
    id=$A_ID
    [[ $service == service-b ]] && id=$B_ID
    # "$0" is the service's name; prints: what /certs holds; what its directory holds; whether its
    # user reads the key; whether it can write there.
    seen=$(docker exec "$id" sh -c 'echo "$(ls -A /certs | xargs); $(ls -A "/certs/$0" | xargs);" \
        "key readable by $(id -u):$(id -g): $(cat "/certs/$0/tls.key" > /dev/null 2>&1 && echo yes || echo no);" \
        "$(touch "/certs/$0/probe" 2> /dev/null && echo writable || echo read-only)"' "$service") \
        || fail "could not look into $service's /certs"
    say "$service's /certs: $seen"
    [[ $seen == "$service; ca.crt tls.crt tls.key; key readable by 10001:10001: yes; read-only" ]] \
        || fail "$service should see only its own directory (ca.crt tls.crt tls.key), read-only, its key readable by its user"
done
# The CA and B's certificate, copied out for the clients below (B's key: as B's own user reads it).
copy_b_certificate() {
    mkdir -p "$WORK/tls"
    for file in ca.crt tls.crt tls.key; do
        docker exec "$B_ID" cat "/certs/service-b/$file" > "$WORK/tls/$file" || fail "could not copy B's $file"
    done
}
copy_b_certificate
alert() { tls_line 'alert' "$1" | sed -E 's/.*:ssl3_read_bytes://; s/:[^:]*\.c:[0-9]+:/ (/; s/$/)/'; }
tls_client none
grep -aq 'Verify return code: 0 (ok)' "$WORK/tls-none.out" || fail "A's certificate did not verify for service-a: $(cat "$WORK/tls-none.out")"
grep -aq 'alert certificate required' "$WORK/tls-none.out" || fail "A did not refuse a client without a certificate: $(cat "$WORK/tls-none.out")"
say "without a certificate: A's certificate verifies for service-a, then A refuses: $(alert none)"
# The same client with a certificate from another CA (scripts/certs.sh into the run's folder).
scripts/certs.sh "$WORK/stranger" > /dev/null
tls_client stranger -cert "$WORK/stranger/service-b/tls.crt" -key "$WORK/stranger/service-b/tls.key"
grep -aq 'alert unknown ca' "$WORK/tls-stranger.out" || fail "A did not refuse a certificate from another CA as unknown ca: $(cat "$WORK/tls-stranger.out")"
say "with a certificate from another CA: A refuses: $(alert stranger)"
refused=$(docker logs "$A_ID" 2>&1 | grep -a -m1 'refused at the TLS handshake' | sed -E 's/.*(gRPC client refused)/\1/' || true)
[[ -n $refused ]] || fail "A logged nothing about the client from another CA"
say "A's log: $refused"
# ... and with B's: the handshake completes, A speaks HTTP/2 (ALPN h2), no alert.
tls_client b -cert "$WORK/tls/tls.crt" -key "$WORK/tls/tls.key"
grep -aq 'ALPN protocol: h2' "$WORK/tls-b.out" && ! grep -aq 'alert' "$WORK/tls-b.out" \
    || fail "A did not accept B's certificate: $(cat "$WORK/tls-b.out")"
A_SERIAL=$(openssl x509 -noout -serial < "$WORK/tls-b.out" 2>/dev/null | cut -d= -f2 || true)
say "with B's certificate: accepted, $(tls_line '^ALPN protocol' b); A's certificate: serial $A_SERIAL"

step "docker-compose up again: the certificates are kept, nothing is re-created"
compose up -d --no-build service-a service-b 2>&1 | sed 's/^/    /'
[[ ${PIPESTATUS[0]} == 0 ]] || fail "the second docker-compose up"
kept=$(docker logs "$CERTS_ID" 2>&1 | tail -n 1)
say "certs: $kept"
[[ $kept == *"already holds the certificates; keeping them"* ]] || fail "the one-shot did not keep the certificates"
[[ $(container service-a) == "$A_ID" && $(container service-b) == "$B_ID" ]] || fail "a service was re-created"

step "proof 1: both running -> 200 with the echo"
# The very first calls pay for class loading and the connection in both JVMs, and may pass B's
# 1 s time limit on a busy machine: they are shown, and the proof is the 200 that follows.
deadline=$((SECONDS + 60))
until call "$B/call-echo?msg=compose-check" && [[ $HTTP == 200 ]]; do
    ((SECONDS < deadline)) || fail "no 200 within 60 s (last: HTTP $HTTP $BODY)"
    say "warming up: HTTP $HTTP in ${TIME}s: $BODY"
    sleep 1
done
expect_answer 200 '"service_a":{"echo":"compose-check"}'
# Proof 2 starts from a closed breaker (warm-up timeouts may have opened it).
deadline=$((SECONDS + 60))
until curl -s -m 5 "$B_ACTUATOR/actuator/health" | grep -q '"circuitBreaker":"CLOSED"'; do
    ((SECONDS < deadline)) || fail "B's breaker not CLOSED within 60 s: $(curl -s -m 5 "$B_ACTUATOR/actuator/health")"
    call "$B/call-echo?msg=compose-check"
    sleep 1
done

step "proof 2: A stopped -> 503 unavailable, then circuit_open"
stop_service service-a
call "$B/call-echo?msg=test"
expect_answer 503 '"service_a":"unavailable"'
for _ in $(seq 1 20); do
    call "$B/call-echo?msg=test"
    [[ $BODY == *'"service_a":"unavailable"'* && $HTTP == 503 ]] || break
done
expect_answer 503 '"service_a":"circuit_open"'

step "proof 3: A started with A_DELAY=2 -> 504 timeout, while B's /health answers at once"
A_DELAY=2 compose up -d --no-deps --no-build service-a 2>&1 | sed 's/^/    /'
wait_healthy service-a
deadline=$((SECONDS + 60))
while :; do
    ((SECONDS < deadline)) || fail "no 504 timeout within 60 s (last: HTTP $HTTP $BODY)"
    (call "$B/call-echo?msg=slow"; printf '%s\n%s\n%s\n' "$HTTP" "$TIME" "$BODY" > "$WORK/slow-call") &
    slow=$!
    sleep 0.3
    call "$B/health"
    health_http=$HTTP health_time=$TIME health_body=$BODY
    call_pending=no
    kill -0 "$slow" 2>/dev/null && call_pending=yes
    wait "$slow"
    { read -r HTTP; read -r TIME; read -r BODY; } < "$WORK/slow-call"
    # The breaker is still open from proof 2 for a few seconds: wait for a real call to A.
    [[ $BODY == *'"service_a":"circuit_open"'* || $BODY == *'"service_a":"unavailable"'* ]] && { sleep 1; continue; }
    expect_answer 504 '"service_a":"timeout"'
    [[ $health_http == 200 && $call_pending == yes ]] \
        || fail "B's /health did not answer while the slow call waited (HTTP $health_http, call pending: $call_pending)"
    say "meanwhile /health: HTTP $health_http in ${health_time}s: $health_body"
    break
done

step "proof 4: A normal again -> 200, B untouched"
compose up -d --no-deps --no-build service-a 2>&1 | sed 's/^/    /'
wait_healthy service-a
deadline=$((SECONDS + 90))
until call "$B/call-echo?msg=back" && [[ $HTTP == 200 ]]; do
    ((SECONDS < deadline)) || fail "B did not answer 200 within 90 s of A's return (last: HTTP $HTTP $BODY)"
    sleep 1
done
expect_answer 200 '"service_a":{"echo":"back"}'
say "B recovered $((SECONDS - STEP_START)) s after A was re-created"
[[ $(container service-b) == "$B_ID" && $(docker inspect -f '{{.State.StartedAt}} {{.RestartCount}}' "$B_ID") == "$B_STARTED 0" ]] \
    || fail "service-b was restarted or re-created during the proofs"
say "service-b: same container, started once ($B_STARTED), never restarted"

step "rotation: docker-compose run --rm certs --force --ca /certs/ca -> both reload, no restart"
A_ID=$(container service-a)
A_STARTED=$(docker inspect -f '{{.State.StartedAt}}' "$A_ID")
a_loads=$(bundle_loads "$A_ID" grpc)
b_loads=$(bundle_loads "$B_ID" servicea)
compose run --rm certs --force --ca /certs/ca 2>&1 | grep -a -E '^(certs.sh|  /certs)' | sed 's/^/    certs: /'
[[ ${PIPESTATUS[0]} == 0 ]] || fail "docker-compose run --rm certs --force --ca /certs/ca"
written=$SECONDS
deadline=$((SECONDS + 30))
until (($(bundle_loads "$A_ID" grpc) > a_loads && $(bundle_loads "$B_ID" servicea) > b_loads)); do
    ((SECONDS < deadline)) || fail "the services did not reload their certificates within 30 s"
    sleep 0.2
done
say "both reloaded within $((SECONDS - written)) s of the new files:"
for id in "$A_ID" "$B_ID"; do
    docker logs "$id" 2>&1 | grep -a "SSL bundle '[a-z]*' in use" | tail -n 1 \
        | sed -E 's/.*(SSL bundle)/    \1/; s/ \(names \[[^]]*\], / (/'
done
copy_b_certificate
tls_client rotated -cert "$WORK/tls/tls.crt" -key "$WORK/tls/tls.key"
serial=$(openssl x509 -noout -serial < "$WORK/tls-rotated.out" 2>/dev/null | cut -d= -f2 || true)
[[ -n $serial && $serial != "$A_SERIAL" ]] || fail "A still presents serial $A_SERIAL after the rotation (now: ${serial:-none})"
grep -aq 'ALPN protocol: h2' "$WORK/tls-rotated.out" && ! grep -aq 'alert' "$WORK/tls-rotated.out" \
    || fail "A did not accept B's new certificate: $(cat "$WORK/tls-rotated.out")"
say "A presents serial $serial now (was $A_SERIAL) and accepts B's new certificate"
call "$B/call-echo?msg=rotated"
expect_answer 200 '"service_a":{"echo":"rotated"}'
[[ $(docker inspect -f '{{.State.StartedAt}} {{.RestartCount}}' "$A_ID") == "$A_STARTED 0" \
    && $(docker inspect -f '{{.State.StartedAt}} {{.RestartCount}}' "$B_ID") == "$B_STARTED 0" ]] \
    || fail "a service was restarted by the rotation"
say "neither service restarted"

step "replicas: docker-compose up --scale service-a=3 -> B calls all three; one killed costs nothing"
# Replicas cannot share host ports: empty A_GRPC_PORT/A_HTTP_PORT give each one free ports.
A_GRPC_PORT= A_HTTP_PORT= compose up -d --no-deps --no-build --scale service-a=3 service-a 2>&1 | sed 's/^/    /'
mapfile -t REPLICAS < <(container service-a)
((${#REPLICAS[@]} == 3)) || fail "expected 3 service-a containers, found ${#REPLICAS[@]}"
for id in "${REPLICAS[@]}"; do
    deadline=$((SECONDS + 120))
    until [[ $(docker inspect -f '{{.State.Health.Status}}' "$id") == healthy ]]; do
        ((SECONDS < deadline)) || fail "replica ${id:0:12} not healthy within 120 s"
        sleep 1
    done
done
say "3 replicas healthy after $((SECONDS - STEP_START)) s"
# B finds new replicas when it re-resolves service-a: on a lost connection, or when A ages its
# connections out (grpc.server.max-connection-age, 30 s).
echo_calls() { docker logs "$1" 2>&1 | grep -c 'procedure=Echo status=ok' || true; }
declare -A BEFORE
for id in "${REPLICAS[@]}"; do BEFORE[$id]=$(echo_calls "$id"); done
deadline=$((SECONDS + 90))
while :; do
    call "$B/call-echo?msg=replicas"
    serving=0
    for id in "${REPLICAS[@]}"; do (($(echo_calls "$id") > BEFORE[$id])) && serving=$((serving + 1)); done
    ((serving == 3)) && break
    ((SECONDS < deadline)) || fail "B reached $serving of 3 replicas within 90 s"
    sleep 0.2
done
say "B's calls reach all 3 replicas ($((SECONDS - STEP_START)) s into the step)"
# Calls keep going (4 clients) while one replica is killed: none may fail.
: > "$WORK/replica-calls"
clients=()
for client in 1 2 3 4; do
    (for _ in $(seq 1 100); do call "$B/call-echo?msg=replicas"; echo "$HTTP" >> "$WORK/replica-calls"; done) &
    clients+=($!)
done
sleep 1
docker kill "${REPLICAS[1]}" > /dev/null
say "replica ${REPLICAS[1]:0:12} killed (SIGKILL) with calls in flight"
wait "${clients[@]}"  # only the clients: the engine runs in the background too
failed=$(grep -vc '^200$' "$WORK/replica-calls" || true)
say "$(wc -l < "$WORK/replica-calls") calls while a replica was killed: $failed not 200"
((failed == 0)) || fail "$failed calls failed while one of three replicas was killed: $(sort "$WORK/replica-calls" | uniq -c | tr '\n' ' ')"
compose up -d --no-deps --no-build --scale service-a=1 service-a 2>&1 | sed 's/^/    /'
wait_healthy service-a

step "Prometheus: both targets up, alert rules loaded"
deadline=$((SECONDS + 60))
until curl -s -m 5 "$PROMETHEUS/api/v1/targets" > "$WORK/targets.json" && python3 - "$WORK/targets.json" <<'EOF'
import json, sys
targets = json.load(open(sys.argv[1]))["data"]["activeTargets"]
health = {t["labels"]["job"]: t["health"] for t in targets}
print("    targets:", ", ".join(f'{t["scrapeUrl"]} {t["health"]} {t["lastError"]}' for t in targets))
sys.exit(0 if health.get("service-a") == "up" and health.get("service-b") == "up" else 1)
EOF
do
    ((SECONDS < deadline)) || fail "Prometheus targets not both up within 60 s"
    sleep 2
done
curl -s -m 5 "$PROMETHEUS/api/v1/rules" > "$WORK/rules.json"
python3 - "$WORK/rules.json" "$(grep -c '^ *- alert:' observability/prometheus/alerts.yml)" <<'EOF' || fail "alert rules not loaded"
import json, sys
groups = json.load(open(sys.argv[1]))["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
print("    rules loaded:", ", ".join(r["name"] + "(" + r.get("health", "?") + ")" for r in rules))
bad = [r["name"] for r in rules if r.get("health") == "err"]
sys.exit(0 if len(rules) == int(sys.argv[2]) and not bad else 1)
EOF

step "docker-compose stop: each service exits 0 within its grace period"
stop_service service-b
stop_service service-a
compose stop prometheus 2>&1 | sed 's/^/    /'

step "docker-compose down"
compose down --volumes --remove-orphans 2>&1 | sed 's/^/    /'
[[ -z $(docker ps -aq) && -z $(docker network ls -q --filter "name=${PROJECT}") && -z $(docker volume ls -q) ]] \
    || fail "containers, networks or volumes left after down"
say "no container, network or volume of $PROJECT left"
