#!/usr/bin/env bash
# The original Lab 1's three proofs, played live on this machine:
#   1. success            both services up: B answers 200 with A's echo inside
#   2. A unavailable      A stopped: 503 "unavailable", then "circuit_open" answered at once
#   3. A slow             A restarted with --delay=2: 504 "timeout" after 1 s, B's /health instant
#   and back              A normal again: 200 again, B never restarted
# Builds the jars if they are missing, starts A and B on their default ports (8080/9080, 8081/9081),
# and stops everything it started on exit, Ctrl-C or failure. Exits non-zero if a proof fails.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR_A=service-a/target/service-a-1.0.0-SNAPSHOT.jar
JAR_B=service-b/target/service-b-1.0.0-SNAPSHOT.jar
JAVA_OPTS=${JAVA_OPTS:-$(sed 's/#.*//' scripts/jvm-options | xargs)}   # the README's flags, from their one place
# glibc's malloc arenas multiply with threads: two keep each JVM's native memory small.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
LOGS=${LOGS:-target/demo}
B=http://localhost:8081
B_ACTUATOR=http://localhost:9081   # B's management port: Actuator is not on 8081

if [[ -t 1 ]]; then
  BOLD=$'\e[1m'; GREEN=$'\e[32m'; RED=$'\e[31m'; CYAN=$'\e[36m'; DIM=$'\e[2m'; RESET=$'\e[0m'
else
  BOLD=; GREEN=; RED=; CYAN=; DIM=; RESET=
fi

title() { printf '\n%s== %s ==%s\n' "$BOLD" "$*" "$RESET"; }
info()  { printf '%s%s%s\n' "$DIM" "$*" "$RESET"; }
pass()  { printf '%sPASS%s %s\n' "$GREEN" "$RESET" "$*"; }
fail()  { printf '%sFAIL%s %s\n' "$RED" "$RESET" "$*"; FAILED=1; }
FAILED=0

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for port in 8080 9080 8081 9081; do
  if port_busy "$port"; then
    printf '%sPort %s is already in use%s: stop whatever listens there (ss -ltnp | grep :%s) and run again.\n' \
      "$RED" "$port" "$RESET" "$port" >&2
    exit 2
  fi
done

if [[ ! -f $JAR_A || ! -f $JAR_B ]]; then
  title "Building the jars (./mvnw package -DskipTests)"
  ./mvnw -B -q package -DskipTests
fi
mkdir -p "$LOGS"
# Started as the README says: from the extracted jars, with the class data sharing archives that
# scripts/cds.sh records once per build (about 20 s the first time), so each starts in about 2 s.
{ IFS=$'\t' read -r -a RUN_A; IFS=$'\t' read -r -a RUN_B; } < <(JAVA_OPTS=$JAVA_OPTS scripts/cds.sh --print-args "$JAR_A" "$JAR_B")

start_a() {  # start_a LOGFILE [ARGS...]
  local log=$1; shift
  # shellcheck disable=SC2086
  java $JAVA_OPTS "${RUN_A[@]}" "$@" > "$log" 2>&1 &
  PIDS+=($!); A_PID=$!; A_LOG=$log
}

await_http() {  # await_http URL SECONDS
  local deadline=$((SECONDS + $2))
  until curl -fs -o /dev/null "$1"; do
    if (( SECONDS >= deadline )); then echo "no answer from $1 within $2 s" >&2; return 1; fi
    sleep 0.2
  done
}

await_breaker() {  # await_breaker STATE SECONDS: B's breaker to A, as B's /actuator/health shows it
  local deadline=$((SECONDS + $2))
  until curl -s "$B_ACTUATOR/actuator/health" | grep -q "\"circuitBreaker\":\"$1\""; do
    if (( SECONDS >= deadline )); then echo "B's breaker did not turn $1 within $2 s" >&2; return 1; fi
    sleep 0.2
  done
}

# call URL: prints the curl command, the status and the body; sets STATUS, BODY, TIME.
call() {
  local out
  printf '%s$ curl -s "%s"%s\n' "$CYAN" "$1" "$RESET"
  out=$(curl -s -w $'\n%{http_code} %{time_total}' "$1")
  BODY=$(sed '$d' <<< "$out")
  read -r STATUS TIME <<< "$(tail -n1 <<< "$out")"
  printf 'HTTP %s in %.3f s\n%s\n' "$STATUS" "$TIME" "$BODY"
}

# logs_since N_A N_B: the call-log lines each service wrote since those line counts.
lines() { [[ -f $1 ]] && wc -l < "$1" || echo 0; }
logs_since() {
  info "service-a log:"; tail -n +"$(($1 + 1))" "$A_LOG" | grep -o 'service=A .*' || info "  (no line: A was not called)"
  info "service-b log:"; tail -n +"$(($2 + 1))" "$LOGS/service-b.log" | grep -o 'service=B .*' || true
}

expect() {  # expect STATUS REASON DESCRIPTION
  if [[ $STATUS == "$1" && $BODY == *"$2"* ]]; then pass "$3"; else fail "$3 (got HTTP $STATUS)"; fi
}

title "Starting service-a (gRPC :8080, Actuator :9080) and service-b (HTTP :8081, Actuator :9081)"
start_a "$LOGS/service-a.log"
# shellcheck disable=SC2086
java $JAVA_OPTS "${RUN_B[@]}" > "$LOGS/service-b.log" 2>&1 &
PIDS+=($!)
await_http http://localhost:9080/actuator/health/readiness 90
await_http "$B/health" 90
await_http "$B_ACTUATOR/actuator/health/readiness" 90
info "logs: $LOGS/service-a.log, $LOGS/service-b.log"

title "Proof 1: success (both running)"
na=$(lines "$A_LOG"); nb=$(lines "$LOGS/service-b.log")
call "$B/call-echo?msg=test"
sleep 0.2 # let A's line reach its log file
logs_since "$na" "$nb"
expect 200 '"service_a":{"echo":"test"}' "B answers 200 with A's echo nested"

title "Proof 2: A unavailable (A stopped)"
kill "$A_PID"; wait "$A_PID" 2>/dev/null || true
info "service-a stopped"
nb=$(lines "$LOGS/service-b.log"); na=$(lines "$A_LOG")
call "$B/call-echo?msg=test"
logs_since "$na" "$nb"
expect 503 '"service_a":"unavailable"' "B answers 503 unavailable at once"
for _ in $(seq 1 20); do
  STATUS=; BODY=$(curl -s "$B/call-echo?msg=test")
  [[ $BODY == *circuit_open* ]] && break
done
nb=$(lines "$LOGS/service-b.log")
call "$B/call-echo?msg=test"
logs_since "$na" "$nb"
expect 503 '"service_a":"circuit_open"' "after repeated failures the breaker answers without calling A"

title "Proof 3: A slow (restarted with --delay=2; B's time limit is 1 s)"
start_a "$LOGS/service-a-slow.log" --delay=2
await_http http://localhost:9080/actuator/health/readiness 90
info "service-a is back, every Echo now waits 2 s; waiting for B's breaker to let a trial call through"
await_breaker HALF_OPEN 30
na=$(lines "$A_LOG"); nb=$(lines "$LOGS/service-b.log")
printf '%s$ curl -s "%s/call-echo?msg=test"%s\n' "$CYAN" "$B" "$RESET"
curl -s -w $'\n%{http_code} %{time_total}' "$B/call-echo?msg=test" > "$LOGS/slow-call.out" &
CALL=$!
sleep 0.3
printf '%s$ curl -s "%s/health"   (asked while that call waits on A)%s\n' "$CYAN" "$B" "$RESET"
health=$(curl -s -w ' HTTP %{http_code} in %{time_total} s' "$B/health"); echo "$health"
wait "$CALL" || true
BODY=$(sed '$d' "$LOGS/slow-call.out")
read -r STATUS TIME <<< "$(tail -n1 "$LOGS/slow-call.out")"
printf 'the call: HTTP %s in %.3f s\n%s\n' "$STATUS" "$TIME" "$BODY"
sleep 0.3
logs_since "$na" "$nb"
expect 504 '"service_a":"timeout"' "B answers 504 timeout after its 1 s limit; A logs the call as cancelled"
if [[ $health == *"HTTP 200"* ]]; then pass "B's /health answered at once meanwhile"; else fail "B's /health: $health"; fi

title "And back: A normal again"
kill "$A_PID"; wait "$A_PID" 2>/dev/null || true
start_a "$LOGS/service-a.log"
await_http http://localhost:9080/actuator/health/readiness 90
info "service-a is back at full speed; waiting for B's breaker to let a trial call through"
await_breaker HALF_OPEN 30
na=$(lines "$A_LOG"); nb=$(lines "$LOGS/service-b.log")
call "$B/call-echo?msg=test"
sleep 0.2
logs_since "$na" "$nb"
expect 200 '"service_a":{"echo":"test"}' "B recovered by itself: 200 again, never restarted"

if (( FAILED )); then
  printf '\n%sSome proofs failed%s; logs are in %s\n' "$RED" "$RESET" "$LOGS"
  exit 1
fi
printf '\n%sAll proofs passed.%s Stopping both services.\n' "$GREEN" "$RESET"
