#!/usr/bin/env bash
# Start-up time of `./dams demo`, from the command to its "DAMS ready" line, and of its stop on SIGTERM.
#   cold    : empty cache (registry distribution unpacked, class archives recorded) and a new data directory
#   warm    : cache in place, new data directory
#   restart : cache in place, the data directory of an earlier run
# Usage: bench/startup.sh [RUNS]   (default 5 warm and restart runs, 2 cold runs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-5}"
cold_runs=2
work="$(mktemp -d /tmp/dams-startup.XXXXXX)"
trap 'rm -rf "$work"' EXIT

./dams --version >/dev/null   # builds the launcher if needed, outside the measurement

# Prints "<ready seconds> <stop seconds>" for one run.
one_run() {
  local data_dir="$1" cache="$2" log="$work/run.log"
  local t0 t_ready t_stop
  t0=$(date +%s%N)
  XDG_CACHE_HOME="$cache" DAMS_SKIP_BUILD=0 ./dams demo --data-dir "$data_dir" \
    --kafka-port 0 --controller-port 0 --registry-port 0 --postgres-port 0 --bridge-port 0 --agent-port 0 >"$log" 2>&1 &
  local pid=$!
  until grep -q '^DAMS ready' "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "demo exited before it was ready" >&2; exit 1; fi
    sleep 0.05
  done
  t_ready=$(date +%s%N)
  kill -TERM "$pid"   # a background job of a script ignores SIGINT, so stop it the way a service manager does
  wait "$pid" || true
  t_stop=$(date +%s%N)
  grep -q '^DAMS stopped' "$log" || { cat "$log" >&2; echo "demo did not report a clean stop" >&2; exit 1; }
  awk -v a="$t0" -v b="$t_ready" -v c="$t_stop" 'BEGIN { printf "%.2f %.2f\n", (b-a)/1e9, (c-b)/1e9 }'
}

summary() {
  sort -n | awk -v name="$1" '{ r[NR]=$1; s+=$2 } END {
    printf "%-8s runs=%d  ready: min %.2f s  median %.2f s  max %.2f s   stop: mean %.2f s\n",
      name, NR, r[1], r[int((NR+1)/2)], r[NR], s/NR }'
}

for i in $(seq "$cold_runs"); do
  one_run "$work/cold-$i" "$work/cache-cold-$i"
done | summary cold

cache="$work/cache"
one_run "$work/prime" "$cache" >/dev/null   # fills the cache
for i in $(seq "$runs"); do
  one_run "$work/warm-$i" "$cache"
done | summary warm

for i in $(seq "$runs"); do
  one_run "$work/warm-1" "$cache"
done | summary restart
