#!/usr/bin/env bash
# Footprint of the real agent (`./dams agent`) next to prometheus-node-exporter, over the same period.
#   bench/ingest/agent-footprint.sh CONFIG HEALTH_PORT SECONDS [LABEL]
# DAMS_JAVA_OPTS is passed through to the agent's JVM. The config's bridge must be running. Node exporter is started
# here when NODE_EXPORTER=1 (127.0.0.1:9100) and scraped every 10 s with curl.
# Prints: ready time (launch -> first /healthz 200), RSS at the end, CPU per collection over the steady window (from
# 30 s to the end), the agent's own collect timer, node_exporter RSS, CPU per scrape and series count.
set -euo pipefail
trap '[[ -n "${ne_pid:-}" ]] && kill "$ne_pid" 2>/dev/null; [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null; true' EXIT
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
config="$1"; port="$2"; secs="$3"; label="${4:-default}"
out="/tmp/dams-agent-footprint-$label"; mkdir -p "$out"
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ s=$0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
collect_count() { curl -s "127.0.0.1:$port/metrics" | awk '/^dams_agent_collect_duration_seconds_count/ { print $2 }'; }
collect_sum() { curl -s "127.0.0.1:$port/metrics" | awk '/^dams_agent_collect_duration_seconds_sum/ { print $2 }'; }

ne_pid=""
if [[ "${NODE_EXPORTER:-0}" == 1 ]]; then
  /usr/bin/prometheus-node-exporter --web.listen-address=127.0.0.1:9100 >"$out/node-exporter.log" 2>&1 &
  ne_pid=$!
fi

t0=$(date +%s%N)
DAMS_SKIP_BUILD=1 ./dams agent --config "$config" >"$out/agent.log" 2>&1 &
pid=$!
until [[ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port/healthz" || true)" == 200 ]]; do
  kill -0 "$pid" 2>/dev/null || { cat "$out/agent.log"; echo "agent exited" >&2; exit 1; }
  sleep 0.02
done
t_ready=$(date +%s%N)
echo "$label: agent pid $pid ready in $(awk -v a="$t0" -v b="$t_ready" 'BEGIN { printf "%.2f", (b-a)/1e9 }') s (launch -> /healthz 200)"

start=$(date +%s)
a_c0=""; n_c0=""; scrapes=0
while (( $(date +%s) - start < secs )); do
  if [[ -n "$ne_pid" ]]; then
    curl -s -o "$out/ne-last.txt" 127.0.0.1:9100/metrics
    if [[ -n "$a_c0" ]]; then scrapes=$((scrapes + 1)); fi
  fi
  if [[ -z "$a_c0" && $(( $(date +%s) - start )) -ge 30 ]]; then
    a_c0=$(cpu_ticks "$pid"); k0=$(collect_count); s0=$(collect_sum)
    [[ -n "$ne_pid" ]] && n_c0=$(cpu_ticks "$ne_pid")
    w0=$(date +%s%N)
  fi
  sleep 10
done
a_c1=$(cpu_ticks "$pid"); k1=$(collect_count); s1=$(collect_sum); w1=$(date +%s%N)
echo "$label: agent RSS after ${secs}s = $(( $(rss_kb "$pid") / 1024 )) MiB; heap/jvm opts: '${DAMS_JAVA_OPTS:-}'"
awk -v c0="$a_c0" -v c1="$a_c1" -v k0="$k0" -v k1="$k1" -v s0="$s0" -v s1="$s1" -v hz="$hz" -v w0="$w0" -v w1="$w1" 'BEGIN {
  n = k1 - k0; cpu = (c1 - c0) / hz;
  printf "agent: window %.0f s, %d collections, process CPU %.2f s -> %.1f ms CPU per collection (all threads: collect, encode, send, GC, JIT); collect timer mean %.2f ms\n",
    (w1-w0)/1e9, n, cpu, n ? cpu * 1000 / n : 0, n ? (s1 - s0) * 1000 / n : 0 }'
series=$(curl -s "127.0.0.1:$port/metrics" | grep -vc '^#' || true)
echo "agent: /metrics series (its own health metrics) = $series; batch size (samples per collection) from log/bridge below"
if [[ -n "$ne_pid" ]]; then
  n_c1=$(cpu_ticks "$ne_pid")
  ne_series=$(curl -s 127.0.0.1:9100/metrics | grep -vc '^#')
  awk -v c0="$n_c0" -v c1="$n_c1" -v n="$scrapes" -v hz="$hz" -v s="$ne_series" -v rss="$(rss_kb "$ne_pid")" 'BEGIN {
    cpu = (c1 - c0) / hz;
    printf "node_exporter: RSS %d MiB, %d scrapes in window, CPU %.2f s -> %.1f ms per scrape, %d series -> %.1f us per series\n",
      rss / 1024, n, cpu, n ? cpu * 1000 / n : 0, s, n ? cpu * 1e6 / n / s : 0 }'
  kill "$ne_pid"
fi
kill "$pid"; wait "$pid" 2>/dev/null || true
