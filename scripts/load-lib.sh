# Helpers shared by scripts/bench.sh and scripts/soak.sh (sourced, not run): wrk from Debian, the
# README's JVM flags, free-port checks, waiting for readiness, RSS, and stopping what was started.
# The sourcing script sets `set -euo pipefail` and cds to the repository root.

# The README's flags, from their one place (JAVA_OPTS replaces them).
JAVA_OPTS=${JAVA_OPTS:-$(sed 's/#.*//' scripts/jvm-options | xargs)}
# glibc's malloc arenas multiply with threads: two keep each JVM's native memory small.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}

# Every process started (PIDS+=(...)) is stopped on exit, whatever the exit.
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_wrk() {
  command -v wrk > /dev/null && return
  echo "installing wrk (Debian package)" >&2
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk > /dev/null
  fi
}
ports_free() {  # ports_free PORT... (exit 2 naming the first one in use)
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is in use; choose other ports (see the script's header)" >&2; exit 2
    fi
  done
}
now_ms() { date +%s%3N; }
await_http() {  # await_http URL SECONDS
  local deadline=$((SECONDS + $2))
  until curl -fs -o /dev/null "$1"; do
    (( SECONDS < deadline )) || { echo "no answer from $1" >&2; return 1; }
    sleep 0.05
  done
}
rss_mb() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }
