#!/usr/bin/env bash
# Benchmarks the pair on this machine, side by side in one run, and prints a table:
#   B /health · B /call-echo (A up) · A's Echo directly over gRPC (load-generator) ·
#   B /call-echo with the breaker open (A stopped) · B /call-echo with A slow (--delay=2),
#   with B /health measured alongside · start-up time and RSS of each service.
# HTTP load is wrk (installed from Debian's packages if missing), THREADS x CONNECTIONS for
# DURATION seconds; A's Echo is driven at the same concurrency. Before the first measurement, B gets
# WARMUP seconds of /call-echo (and a quarter of that of /health), the breaker-open path a quarter
# of it: on 2 cores the JIT compiler needs about 40 s of /call-echo before it stops compiling (its
# thread took a quarter of B's CPU until then), so a shorter warm-up measures the compiler.
# The services start exactly as the README says: same JVM flags, with the class data sharing archive
# of scripts/cds.sh (CDS=0: from the plain jars, to compare).
# TLS=mutual-tls (or tls): both services in that mode, with certificates made by scripts/certs.sh
# (the direct gRPC row, whose load generator speaks plaintext, is then left out).
# NMT=1: both services also run with native memory tracking, and where their RSS is taken, what the
# JVM committed by category is printed too (jcmd VM.native_memory summary; tracking costs a few MB).
# PROFILE=1: JDK Flight Recorder runs in both services from before the warm-up (started later, its
# socket instrumentation sends the JIT back to work and the profile measures the compiler); the
# /call-echo (A up) window is cut out of it into $LOGS/profile-{service-a,service-b}.jfr, and each
# one's samples are summed up by thread and by package. The recorder costs a little throughput:
# compare a profiled run's table with other profiled runs only.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-40}
A_GRPC=${A_GRPC:-18080}
A_HTTP=${A_HTTP:-19080}
B_PORT=${B_PORT:-18081}
B_MANAGEMENT_PORT=${B_MANAGEMENT_PORT:-19081}   # B's Actuator
LOGS=${LOGS:-target/bench}
JAR_A=${JAR_A:-service-a/target/service-a-1.0.0-SNAPSHOT.jar}   # another build's jars, to compare
JAR_B=${JAR_B:-service-b/target/service-b-1.0.0-SNAPSHOT.jar}
JAR_LOAD=load-generator/target/load-generator-1.0.0-SNAPSHOT.jar
CDS=${CDS:-1}
TLS=${TLS:-plaintext}
NMT=${NMT:-0}
PROFILE=${PROFILE:-0}
B=http://127.0.0.1:$B_PORT

# shellcheck source=scripts/load-lib.sh
source scripts/load-lib.sh   # JAVA_OPTS (the README's flags), cleanup on exit, wrk, ports, RSS
ensure_wrk
ports_free "$A_GRPC" "$A_HTTP" "$B_PORT" "$B_MANAGEMENT_PORT"
if [[ ! -f $JAR_A || ! -f $JAR_B || ! -f $JAR_LOAD ]]; then
  ./mvnw -B -q package -DskipTests
fi
mkdir -p "$LOGS"
TLS_A=(); TLS_B=()
if [[ $TLS != plaintext ]]; then
  rm -rf "$LOGS/certs"
  scripts/certs.sh "$LOGS/certs" >&2
  TLS_A=(--spring.profiles.active="$TLS" --service-a.grpc.tls.directory="$LOGS/certs/service-a")
  TLS_B=(--spring.profiles.active="$TLS" --service-b.service-a.tls.directory="$LOGS/certs/service-b")
fi
if [[ $CDS == 1 ]]; then  # the java arguments that start each jar (after JAVA_OPTS)
  { IFS=$'\t' read -r -a RUN_A; IFS=$'\t' read -r -a RUN_B; } < <(JAVA_OPTS=$JAVA_OPTS scripts/cds.sh --print-args "$JAR_A" "$JAR_B")
else
  RUN_A=(-jar "$JAR_A"); RUN_B=(-jar "$JAR_B")
fi
if [[ $NMT == 1 ]]; then
  RUN_A=(-XX:NativeMemoryTracking=summary "${RUN_A[@]}"); RUN_B=(-XX:NativeMemoryTracking=summary "${RUN_B[@]}")
fi
# native_memory PID NAME: the JVM's committed memory by category, one line (NMT=1 only).
native_memory() {
  [[ $NMT == 1 ]] || return 0
  jcmd "$1" VM.native_memory summary scale=MB > "$LOGS/nmt-$2.txt" || { echo "$2: jcmd VM.native_memory failed"; return 0; }
  echo "$2, committed MB: $(awk '
    /^Total:/ { c = $0; sub(/.*committed=/, "", c); sub(/MB.*/, "", c); out = "total " c }
    /^-/ { name = $0; sub(/^- */, "", name); sub(/ *\(.*/, "", name)
           c = $0; sub(/.*committed=/, "", c); sub(/MB.*/, "", c); if (c + 0 >= 1) out = out ", " name " " c }
    END { print out }' "$LOGS/nmt-$2.txt")"
}

# profile_start PID / profile_cut PID NAME SECONDS: record from now; keep the last SECONDS of it.
profile_start() {
  [[ $PROFILE == 1 ]] || return 0
  jcmd "$1" JFR.start name=bench settings=profile > /dev/null
}
profile_cut() {
  [[ $PROFILE == 1 ]] || return 0
  local jfr; jfr="$(realpath "$LOGS")/profile-$2.jfr"   # absolute: the JVM writes it from its own folder
  jcmd "$1" JFR.dump name=bench begin=-"$3"s filename="$jfr" > /dev/null
  jcmd "$1" JFR.stop name=bench > /dev/null
  # Shaded Netty counts as Netty; a frame's package is its class name's first three parts at most.
  # Per package: "self", the samples whose top frame (the code running) is in it, and "inclusive",
  # the samples with it anywhere on the stack (so a servlet filter includes the whole request).
  jfr print --events jdk.ExecutionSample --stack-depth 256 "$jfr" | awk -v name="$2" '
    /^jdk.ExecutionSample/ { n++; top = 1; delete seen; next }
    /sampledThread = / { t = $0; sub(/.*sampledThread = "/, "", t); sub(/".*/, "", t)
                         gsub(/[0-9]+/, "N", t); threads[t]++; next }
    /^ +[a-zA-Z_$][a-zA-Z0-9_$.]*\.[a-zA-Z_$<][^ ]*\(/ {
      f = $1; sub(/\(.*/, "", f); sub(/^io\.grpc\.netty\.shaded\./, "", f)
      k = split(f, part, "."); pkg = part[1]; for (i = 2; i <= 3 && i < k - 1; i++) pkg = pkg "." part[i]
      if (top) { self[pkg]++; top = 0 }
      if (!(pkg in seen)) { seen[pkg] = 1; inclusive[pkg]++ } }
    END {
      if (n == 0) { printf "%s: no samples in the window\n", name; exit }
      printf "%s, %d samples of the /call-echo window (%%: self, inclusive):\n", name, n
      for (t in threads) printf "  thread  %3.0f %%  %s\n", 100 * threads[t] / n, t | "sort -k2,2nr"
      close("sort -k2,2nr")
      for (p in inclusive) if (inclusive[p] * 100 >= 2 * n)
        printf "  package %3.0f %3.0f %%  %s\n", 100 * self[p] / n, 100 * inclusive[p] / n, p | "sort -k3,3nr"
    }'
}

start_a() {  # start_a LOG [ARGS...]: sets A_PID, A_START_MS (launch to ready)
  local log=$1; shift; local t0; t0=$(now_ms)
  # shellcheck disable=SC2086
  java $JAVA_OPTS "${RUN_A[@]}" --grpc.server.port="$A_GRPC" --server.port="$A_HTTP" "$@" > "$log" 2>&1 &
  A_PID=$!; PIDS+=("$A_PID")
  await_http "http://127.0.0.1:$A_HTTP/actuator/health/readiness" 120
  A_START_MS=$(( $(now_ms) - t0 ))
}

ROWS=()
row() {  # row NAME "RESULT rps p50 p99 p999 max errors"
  local _ rps p50 p99 p999 max errors
  read -r _ rps p50 p99 p999 max errors <<< "$2"
  ROWS+=("$(printf '| %-44s | %8s | %7s | %7s | %7s | %8s | %7s |' "$1" "$rps" "$p50" "$p99" "$p999" "$max" "$errors")")
  printf '%s\n' "${ROWS[-1]}" >&2
}
http_load() {  # http_load SECONDS CONNECTIONS URL -> RESULT line
  wrk -t"$THREADS" -c"$2" -d"$1"s -s scripts/bench.lua "$3" | grep '^RESULT'
}

echo "starting service-a and service-b in $TLS ($JAVA_OPTS$([[ $CDS == 1 ]] && echo ", class data sharing"))" >&2
start_a "$LOGS/service-a.log" "${TLS_A[@]}"
start_ms_a=$A_START_MS
t0=$(now_ms)
# shellcheck disable=SC2086
SERVICEB_SERVICEA_ADDRESS=static://127.0.0.1:$A_GRPC java $JAVA_OPTS "${RUN_B[@]}" --server.port="$B_PORT" \
  --management.server.port="$B_MANAGEMENT_PORT" "${TLS_B[@]}" > "$LOGS/service-b.log" 2>&1 &
B_PID=$!; PIDS+=("$B_PID")
await_http "http://127.0.0.1:$B_MANAGEMENT_PORT/actuator/health/readiness" 120
start_ms_b=$(( $(now_ms) - t0 ))

profile_start "$A_PID"; profile_start "$B_PID"
echo "warming up (/health $((WARMUP / 4)) s, /call-echo $WARMUP s)" >&2
http_load $((WARMUP / 4)) "$CONNECTIONS" "$B/health" > /dev/null
http_load "$WARMUP" "$CONNECTIONS" "$B/call-echo?msg=bench" > /dev/null

health=$(http_load "$DURATION" "$CONNECTIONS" "$B/health")
row "B /health" "$health"
echo_up=$(http_load "$DURATION" "$CONNECTIONS" "$B/call-echo?msg=bench")
row "B /call-echo, A up" "$echo_up"
# The window's last DURATION - 1 seconds: attaching jcmd takes part of a second after wrk ends.
profile_a=$(profile_cut "$A_PID" service-a $((DURATION - 1))); profile_b=$(profile_cut "$B_PID" service-b $((DURATION - 1)))
if [[ $TLS == plaintext ]]; then
  direct=$(java -Xmx256m -jar "$JAR_LOAD" "127.0.0.1:$A_GRPC" "$CONNECTIONS" $((WARMUP / 4)) "$DURATION" | grep '^RESULT')
  row "A Echo over gRPC, direct (load-generator)" "$direct"
fi
rss_a=$(rss_mb "$A_PID"); rss_b=$(rss_mb "$B_PID")
nmt_a=$(native_memory "$A_PID" service-a); nmt_b=$(native_memory "$B_PID" service-b)

kill "$A_PID"; wait "$A_PID" 2>/dev/null || true
for _ in $(seq 1 50); do
  curl -s "$B/call-echo?msg=bench" | grep -q circuit_open && break
done
http_load $((WARMUP / 4)) "$CONNECTIONS" "$B/call-echo?msg=bench" > /dev/null
open=$(http_load "$DURATION" "$CONNECTIONS" "$B/call-echo?msg=bench")
row "B /call-echo, breaker open (A stopped)" "$open"

start_a "$LOGS/service-a-slow.log" --delay=2 "${TLS_A[@]}"
http_load "$DURATION" 4 "$B/health" > "$LOGS/health-alongside.out" &
alongside=$!
slow=$(http_load "$DURATION" "$CONNECTIONS" "$B/call-echo?msg=bench")
wait "$alongside"
row "B /call-echo, A slow (--delay=2, limit 1 s)" "$slow"
row "B /health alongside A slow (4 connections)" "$(grep '^RESULT' "$LOGS/health-alongside.out")"
rss_b_after=$(rss_mb "$B_PID")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rps() { awk '{ print $2 }' <<< "$1"; }
cat <<TABLE

$(nproc) cores · $(java -version 2>&1 | head -1)$([[ $CDS == 1 ]] && echo " · class data sharing") · B to A in $TLS · wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after ${WARMUP}s warm-up

| scenario                                     |    req/s |  p50 ms |  p99 ms | p99.9 ms |   max ms | non-2xx |
|----------------------------------------------|---------:|--------:|--------:|--------:|---------:|--------:|
$(printf '%s\n' "${ROWS[@]}")

/call-echo (A up) / /health: $(ratio "$(rps "$echo_up")" "$(rps "$health")")   breaker open / /health: $(ratio "$(rps "$open")" "$(rps "$health")")
start-up (launch to ready): A $start_ms_a ms, B $start_ms_b ms
RSS after the load: A $rss_a MB, B $rss_b MB (B $rss_b_after MB after all scenarios)
TABLE
if [[ $NMT == 1 ]]; then printf '%s\n%s\n' "$nmt_a" "$nmt_b"; fi
if [[ $PROFILE == 1 ]]; then printf '%s\n%s\n' "$profile_a" "$profile_b"; fi
