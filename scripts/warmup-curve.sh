#!/usr/bin/env bash
# The warm-up curve: what a user meets after a deploy, a restart or a scale-up. Starts A and B as
# the README does, and from the moment B is ready drives /call-echo with wrk (THREADS x
# CONNECTIONS) in back-to-back WINDOW-second windows for SECONDS, printing req/s and p99 per
# window. Steady state is the best 10 s (the best run of consecutive windows covering 10 s) after
# 2 minutes; the curve's figure is the time from ready to the end of the first window at 90 % of it.
# Each window also shows what the JIT compiler took: the CPU of A's and B's compiler threads, in
# cores (1.00 = one core busy all the window), beside B's whole CPU.
#   scripts/warmup-curve.sh                 # the plain jars
#   CDS=1 scripts/warmup-curve.sh           # with the class data sharing archive of scripts/cds.sh
#   JAVA_OPTS="… -XX:TieredStopAtLevel=1" scripts/warmup-curve.sh   # a lever: any JVM flags
#   A_OPTS=… B_OPTS=… add flags to one service only (e.g. Java 25's -XX:AOTCache=FILE, per jar)
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
WINDOW=${WINDOW:-2}
SECONDS_TOTAL=${SECONDS_TOTAL:-150}
A_GRPC=${A_GRPC:-18180}
A_HTTP=${A_HTTP:-19180}
B_PORT=${B_PORT:-18181}
B_MANAGEMENT_PORT=${B_MANAGEMENT_PORT:-19181}
LOGS=${LOGS:-target/warmup-curve}
JAR_A=${JAR_A:-service-a/target/service-a-1.0.0-SNAPSHOT.jar}
JAR_B=${JAR_B:-service-b/target/service-b-1.0.0-SNAPSHOT.jar}
CDS=${CDS:-0}
LABEL=${LABEL:-$([[ $CDS == 1 ]] && echo "CDS" || echo "plain jars")}

# shellcheck source=scripts/load-lib.sh
source scripts/load-lib.sh   # JAVA_OPTS (the README's flags), cleanup on exit, wrk, ports, RSS
ensure_wrk
ports_free "$A_GRPC" "$A_HTTP" "$B_PORT" "$B_MANAGEMENT_PORT"
[[ -f $JAR_A && -f $JAR_B ]] || ./mvnw -B -q package -DskipTests
mkdir -p "$LOGS"
if [[ $CDS == 1 ]]; then
  { IFS=$'\t' read -r -a RUN_A; IFS=$'\t' read -r -a RUN_B; } < <(JAVA_OPTS=$JAVA_OPTS scripts/cds.sh --print-args "$JAR_A" "$JAR_B")
else
  RUN_A=(-jar "$JAR_A"); RUN_B=(-jar "$JAR_B")
fi

# ticks PID: "TOTAL JIT", CPU ticks (user + system) of the process (the first line) and of its JIT
# compiler threads (HotSpot names them "C1 CompilerThre…", "C2 CompilerThre…"). Read through cat,
# which skips a thread that ended meanwhile (awk given a file that is gone would stop).
ticks() {
  cat "/proc/$1/stat" /proc/"$1"/task/*/stat 2> /dev/null | awk '
    { name = $0; sub(/^[0-9]+ \(/, "", name); sub(/\) [^)]*$/, "", name)
      rest = $0; sub(/.*\) /, "", rest); split(rest, f, " "); t = f[12] + f[13]
      if (NR == 1) total = t; else if (name ~ /^C[12] CompilerThre/) jit += t }
    END { print total + 0, jit + 0 }'
}
HZ=$(getconf CLK_TCK)
cores() { awk -v d="$1" -v ms="$ms" -v hz="$HZ" 'BEGIN { printf "%.2f", d / hz / (ms / 1000) }'; }  # TICKS over the window's ms

# shellcheck disable=SC2086
java $JAVA_OPTS ${A_OPTS:-} "${RUN_A[@]}" --grpc.server.port="$A_GRPC" --server.port="$A_HTTP" > "$LOGS/service-a.log" 2>&1 &
A_PID=$!; PIDS+=("$A_PID")
await_http "http://127.0.0.1:$A_HTTP/actuator/health/readiness" 120
# shellcheck disable=SC2086
SERVICEB_SERVICEA_ADDRESS=static://127.0.0.1:$A_GRPC java $JAVA_OPTS ${B_OPTS:-} "${RUN_B[@]}" --server.port="$B_PORT" \
  --management.server.port="$B_MANAGEMENT_PORT" > "$LOGS/service-b.log" 2>&1 &
B_PID=$!; PIDS+=("$B_PID")
await_http "http://127.0.0.1:$B_PORT/health" 120

echo "# $LABEL · $JAVA_OPTS · wrk -t$THREADS -c$CONNECTIONS, ${WINDOW} s windows from B's ready" >&2
ready=$(now_ms)
out="$LOGS/curve-$(tr ' ' '-' <<< "$LABEL").tsv"
printf 'end_s\treq_s\tp99_ms\tnon_2xx\tb_cpu_cores\tb_jit_cores\ta_jit_cores\n' > "$out"
while (( $(now_ms) - ready < SECONDS_TOTAL * 1000 )); do
  t0=$(now_ms); read -r b0 bj0 < <(ticks "$B_PID"); read -r _ aj0 < <(ticks "$A_PID")
  read -r _ rps _ p99 _ _ errors < <(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WINDOW"s -s scripts/bench.lua \
    "http://127.0.0.1:$B_PORT/call-echo?msg=curve" | grep '^RESULT')
  read -r b1 bj1 < <(ticks "$B_PID"); read -r _ aj1 < <(ticks "$A_PID"); ms=$(( $(now_ms) - t0 ))
  b_cpu=$(cores $(( b1 - b0 ))); b_jit=$(cores $(( bj1 - bj0 ))); a_jit=$(cores $(( aj1 - aj0 )))
  end_s=$(awk -v t="$(( $(now_ms) - ready ))" 'BEGIN { printf "%.1f", t / 1000 }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$end_s" "$rps" "$p99" "$errors" "$b_cpu" "$b_jit" "$a_jit" | tee -a "$out" >&2
done
rss_b=$(rss_mb "$B_PID")

awk -F'\t' -v window="$WINDOW" -v label="$LABEL" -v rss="$rss_b" '
  NR > 1 { t[NR] = $1; r[NR] = $2; n = NR
           if ($1 <= 30) { early += $6 + $7; ne++ } else if ($1 > 120) { late += $6 + $7; nl++ } }
  END {
    per = int(10 / window + 0.5); best = 0
    for (i = 2; i + per - 1 <= n; i++) {
      if (t[i] - window < 120) continue
      s = 0; for (j = i; j < i + per; j++) s += r[j]
      if (s / per > best) best = s / per
    }
    if (best == 0) { print "not enough windows after 2 minutes: raise SECONDS_TOTAL" > "/dev/stderr"; exit 1 }
    for (i = 2; i <= n; i++) if (r[i] >= 0.9 * best) { reached = t[i]; break }
    printf "%s: steady %.0f req/s (best 10 s after 2 min); 90 %% of it reached %s s after ready; B RSS %s MB\n",
      label, best, reached, rss
    printf "JIT compiler threads of A and B: %.2f cores in the first 30 s, %.2f after 2 min\n",
      early / (ne ? ne : 1), late / (nl ? nl : 1)
  }' "$out"
