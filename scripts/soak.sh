#!/usr/bin/env bash
# Soak test: MINUTES of /call-echo at full load (wrk -tTHREADS -cCONNECTIONS) with A healthy, first
# against one A, then against three replicas of A (B with SERVICEB_SERVICEA_ADDRESS=static://p1,p2,p3). Both
# services run from the plain jars with the README's JVM flags (scripts/jvm-options).
# Reports, per phase: failed answers by reason (B's call_echo_outcomes_total before/after, and wrk's
# non-2xx and socket errors), the RSS of every process every 30 s, and GC/heap after (jcmd GC.heap_info).
# Exits 1 if any answer failed, or if any process's RSS at the end is more than 10 % above its RSS
# at the end of the first minute (with MINUTES=1 the two are the same sample: memory is then not judged).
#   MINUTES=30 scripts/soak.sh        # the long run (about 2 x 30 minutes); CI runs MINUTES=1
# Ports (2xxxx, free on this machine): A gRPC 28080-28082, A Actuator 29080-29082, B 28090, B's Actuator 28091.
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${MINUTES:-30}
# Seconds of the same load before the measured minutes, reported but not judged. 0 by default: both
# services warm themselves before they report ready, so the soak is judged from the first call, as
# users meet a fresh deploy (HealthyPeerIT proves the cold bursts); set it to look at steady state only.
WARMUP=${WARMUP:-0}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
A_GRPC=(28080 28081 28082)
A_HTTP=(29080 29081 29082)
B_PORT=${B_PORT:-28090}
B_MANAGEMENT_PORT=${B_MANAGEMENT_PORT:-28091}   # B's Actuator
LOGS=${LOGS:-target/soak}
JAR_A=${JAR_A:-service-a/target/service-a-1.0.0-SNAPSHOT.jar}
JAR_B=${JAR_B:-service-b/target/service-b-1.0.0-SNAPSHOT.jar}
B=http://127.0.0.1:$B_PORT
B_ACTUATOR=http://127.0.0.1:$B_MANAGEMENT_PORT/actuator
RSS_GROWTH_PERCENT=10

# shellcheck source=scripts/load-lib.sh
source scripts/load-lib.sh   # JAVA_OPTS (the README's flags), cleanup on exit, wrk, ports, RSS
ensure_wrk
ports_free "${A_GRPC[@]}" "${A_HTTP[@]}" "$B_PORT" "$B_MANAGEMENT_PORT"
if [[ ! -f $JAR_A || ! -f $JAR_B ]]; then
  ./mvnw -B -q package -DskipTests
fi
mkdir -p "$LOGS"

FAILED=0
fail() { echo "SOAK FAIL: $*" >&2; FAILED=1; }

stop() {  # stop PID...: SIGTERM, then wait (they stay in PIDS; killing twice is harmless)
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# call_echo_outcomes_total by reason, "reason count" lines, from B's Prometheus page.
outcomes() {
  curl -fs "$B_ACTUATOR/prometheus" | awk '/^call_echo_outcomes_total\{/ {
      match($0, /reason="[^"]*"/); reason = substr($0, RSTART + 8, RLENGTH - 9); printf "%s %d\n", reason, $NF }' | sort
}

# phase NAME REPLICAS: start REPLICAS As and B, load for MINUTES, report, stop them.
phase() {
  local name=$1 replicas=$2 i addresses="" pids=() names=()
  echo "== $name: $replicas replica(s) of A, $MINUTES min of wrk -t$THREADS -c$CONNECTIONS on /call-echo ($JAVA_OPTS)" >&2
  for ((i = 0; i < replicas; i++)); do
    # shellcheck disable=SC2086
    java $JAVA_OPTS -jar "$JAR_A" --grpc.server.port="${A_GRPC[i]}" --server.port="${A_HTTP[i]}" \
      > "$LOGS/$name-service-a-$i.log" 2>&1 &
    pids+=($!); names+=("A${i}"); PIDS+=($!)
    addresses+="${addresses:+,}127.0.0.1:${A_GRPC[i]}"
  done
  for ((i = 0; i < replicas; i++)); do
    await_http "http://127.0.0.1:${A_HTTP[i]}/actuator/health/readiness" 120
  done
  # shellcheck disable=SC2086
  SERVICEB_SERVICEA_ADDRESS=static://$addresses java $JAVA_OPTS -jar "$JAR_B" --server.port="$B_PORT" --management.server.port="$B_MANAGEMENT_PORT" \
    > "$LOGS/$name-service-b.log" 2>&1 &
  pids+=($!); names+=("B"); PIDS+=($!)
  await_http "$B_ACTUATOR/health/readiness" 120
  local before after warm
  before=$(outcomes)
  if ((WARMUP > 0)); then
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$B/call-echo?msg=soak" > "$LOGS/$name-warmup.txt"
    after=$(outcomes)
    warm=$(join -a 2 <(echo "$before") <(echo "$after") | awk 'NF == 3 { d = $3 - $2 } NF == 2 { d = $2 } $1 != "ok" && d > 0 { printf " %s=%d", $1, d }')
    echo "-- $name: warm-up ${WARMUP} s (not judged): failed answers:${warm:- none}" >&2
    before=$after
  fi
  # RSS of each process every 30 s, while wrk runs.
  local rss_file="$LOGS/$name-rss.txt"
  : > "$rss_file"
  (
    t=0
    while :; do
      sleep 30; t=$((t + 30))
      line="t=${t}s"
      for j in "${!pids[@]}"; do line+=" ${names[j]}=$(rss_mb "${pids[j]}")MB"; done
      echo "$line" | tee -a "$rss_file" >&2
    done
  ) &
  local sampler=$!
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${MINUTES}m" "$B/call-echo?msg=soak" > "$LOGS/$name-wrk.txt"
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  after=$(outcomes)

  local requests non2xx socket
  requests=$(awk '/requests in/ { print $1 }' "$LOGS/$name-wrk.txt")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$LOGS/$name-wrk.txt")
  socket=$(awk '/Socket errors:/ { s = 0; for (k = 3; k <= NF; k++) if ($k ~ /^[0-9]+,?$/) s += $k; print s }' "$LOGS/$name-wrk.txt")
  echo "-- $name: wrk: ${requests:-?} requests, $(awk '/Requests\/sec/ { print $2 }' "$LOGS/$name-wrk.txt") req/s, non-2xx ${non2xx:-0}, socket errors ${socket:-0}" >&2
  echo "-- $name: answers by reason during the load (call_echo_outcomes_total after - before):" >&2
  local reason count was delta failed_answers=0
  while read -r reason count; do
    was=$(awk -v r="$reason" '$1 == r { print $2 }' <<< "$before")
    delta=$((count - ${was:-0}))
    printf '   %-15s %d\n' "$reason" "$delta" >&2
    [[ $reason != ok ]] && failed_answers=$((failed_answers + delta))
  done <<< "$after"
  (( failed_answers == 0 )) || fail "$name: $failed_answers failed answers (see $LOGS/$name-service-b.log)"
  (( ${non2xx:-0} == 0 && ${socket:-0} == 0 )) || fail "$name: wrk saw ${non2xx:-0} non-2xx answers and ${socket:-0} socket errors"
  grep -m3 'reason=internal_error' "$LOGS/$name-service-b.log" >&2 || true

  # Memory: the end against the end of the first minute (the second 30 s sample).
  local first last base="" end=""
  first=$(sed -n 2p "$rss_file"); [[ -n $first ]] || first=$(sed -n 1p "$rss_file")
  last=$(tail -1 "$rss_file")
  for j in "${!pids[@]}"; do
    base=$(grep -o "${names[j]}=[0-9]*" <<< "$first" | cut -d= -f2 || true)
    end=$(grep -o "${names[j]}=[0-9]*" <<< "$last" | cut -d= -f2 || true)
    [[ -n $base && -n $end ]] || continue
    echo "-- $name: ${names[j]} RSS first minute ${base} MB, end ${end} MB" >&2
    if (( end * 100 > base * (100 + RSS_GROWTH_PERCENT) )); then
      fail "$name: ${names[j]} RSS grew from $base MB to $end MB (more than $RSS_GROWTH_PERCENT %)"
    fi
  done
  echo "-- $name: GC and heap after the load" >&2
  for j in "${!pids[@]}"; do
    echo "   ${names[j]} (pid ${pids[j]}):" >&2
    jcmd "${pids[j]}" GC.heap_info 2>&1 | sed 's/^/     /' >&2 || true
    jstat -gcutil "${pids[j]}" 2>&1 | sed 's/^/     /' >&2 || true
  done
  stop "${pids[@]}"
}

phase one-a 1
phase three-a 3
if (( FAILED )); then
  echo "soak: FAILED (logs in $LOGS)" >&2; exit 1
fi
echo "soak: no failed answer, no RSS growth over $RSS_GROWTH_PERCENT % (logs in $LOGS)" >&2
