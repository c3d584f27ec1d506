#!/usr/bin/env bash
# Footprint of the real agent (`./dams agent`) next to prometheus-node-exporter, on the same host over the same period.
#   bench/ingest/agent-footprint.sh CONFIG HEALTH_PORT SECONDS [LABEL]
# The config's bridge must be running (the agent then measures in its steady sending state). The agent runs with the
# JVM options of ./dams (DAMS_AGENT_JAVA_OPTS, DAMS_JAVA_OPTS and DAMS_AGENT_CDS are passed through).
#   READY_RUNS=N     first launch the agent N times and report the time to the first /healthz 200 (median, min, max)
#                    and the agent's CPU until then, with the load average before each launch; SECONDS=0 stops there
#   WARMUP=S         the CPU window starts S seconds after ready (default 60); the C1 compiler is still busy for
#                    several minutes at one tick a second, so use SECONDS=900 WARMUP=300 for the settled cost
#   NODE_EXPORTER=matched   also run node_exporter with the collectors that read what the agent reads (cpu, loadavg,
#                    meminfo, filesystem, diskstats, netdev, stat, hwmon, thermal_zone) and without its own go_/process_
#                    series; NODE_EXPORTER=default runs it with its default collectors. It listens on
#                    127.0.0.1:$NE_PORT (default 9100) and is scraped once per agent collection interval with curl.
# Prints: ready time, RSS at the end, CPU per collection over the window (utime+stime delta of the process / collections
# in the window), samples per collection, and node_exporter's RSS, CPU per scrape, series per scrape and CPU per series.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
config="$1"; port="$2"; secs="$3"; label="${4:-default}"
warmup="${WARMUP:-60}"; ne_port="${NE_PORT:-9100}"
out="/tmp/dams-agent-footprint-$label"; mkdir -p "$out"
hz=$(getconf CLK_TCK)
pid=""; ne_pid=""
trap '[[ -n "$ne_pid" ]] && kill "$ne_pid" 2>/dev/null; [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; true' EXIT

cpu_ticks() { awk '{ s=$0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
metric() { curl -s "127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
interval_s=$(awk '/sendInterval:/ { v = $2; sub(/s$/, "", v); print v }' "$config")
interval_s="${interval_s:-10}"

# Starts the agent in the background (pid: the JVM's, since ./dams execs it once its class archive exists) and waits
# for /healthz 200; sets pid, ready_ms and ready_cpu_ms.
launch() {
  local t0 t1
  t0=$(date +%s%N)
  DAMS_SKIP_BUILD=1 ./dams agent --config "$config" >"$out/agent.log" 2>&1 &
  pid=$!
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port/healthz" || true)" == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || { cat "$out/agent.log"; echo "agent exited" >&2; exit 1; }
    sleep 0.02
  done
  t1=$(date +%s%N)
  local jvm; jvm=$(pgrep -P "$pid" java || echo "$pid")
  ready_ms=$(( (t1 - t0) / 1000000 ))
  ready_cpu_ms=$(( $(cpu_ticks "$jvm") * 1000 / hz ))
}

stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

if [[ "${READY_RUNS:-0}" -gt 0 ]]; then
  readies=(); cpus=()
  for i in $(seq "$READY_RUNS"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    launch
    echo "$label: ready run $i: ${ready_ms} ms, agent CPU until then ${ready_cpu_ms} ms (load average before: $load)"
    readies+=("$ready_ms"); cpus+=("$ready_cpu_ms")
    stop
    sleep 2
  done
  printf '%s\n' "${readies[@]}" | sort -n | awk -v l="$label" '{ a[NR] = $1 } END {
    printf "%s: ready (launch -> /healthz 200) over %d runs: median %d ms, min %d, max %d\n",
      l, NR, a[int((NR + 1) / 2)], a[1], a[NR] }'
  printf '%s\n' "${cpus[@]}" | sort -n | awk -v l="$label" '{ a[NR] = $1 } END {
    printf "%s: agent CPU until ready: median %d ms, min %d, max %d\n", l, a[int((NR + 1) / 2)], a[1], a[NR] }'
fi
if [[ "$secs" == 0 ]]; then
  exit 0
fi

case "${NODE_EXPORTER:-}" in
  matched)
    /usr/bin/prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" --web.disable-exporter-metrics \
      --collector.disable-defaults --collector.cpu --collector.loadavg --collector.meminfo --collector.filesystem \
      --collector.diskstats --collector.netdev --collector.stat --collector.hwmon --collector.thermal_zone \
      >"$out/node-exporter.log" 2>&1 &
    ne_pid=$! ;;
  default)
    /usr/bin/prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" >"$out/node-exporter.log" 2>&1 &
    ne_pid=$! ;;
esac

launch
echo "$label: agent pid $pid ready in ${ready_ms} ms (launch -> /healthz 200), CPU until then ${ready_cpu_ms} ms"
jvm=$(pgrep -P "$pid" java || echo "$pid")
start=$(date +%s)
a_c0=""; scrapes=0
while (( $(date +%s) - start < secs )); do
  if [[ -n "$ne_pid" ]]; then
    curl -s -o "$out/ne-last.txt" "127.0.0.1:$ne_port/metrics"
    [[ -n "$a_c0" ]] && scrapes=$((scrapes + 1))
  fi
  if [[ -z "$a_c0" && $(( $(date +%s) - start )) -ge $warmup ]]; then
    a_c0=$(cpu_ticks "$jvm"); k0=$(metric dams_agent_collect_duration_seconds_count)
    [[ -n "$ne_pid" ]] && n_c0=$(cpu_ticks "$ne_pid")
    w0=$(date +%s%N)
  fi
  sleep "$interval_s"
done
a_c1=$(cpu_ticks "$jvm"); k1=$(metric dams_agent_collect_duration_seconds_count); w1=$(date +%s%N)
[[ -n "$ne_pid" ]] && n_c1=$(cpu_ticks "$ne_pid")
samples=$(curl -s "127.0.0.1:$port/metrics" | grep -v '^#' | grep -vc '^dams_' || true)
rss_parts=$(awk '/^RssAnon|^RssFile/ { printf "%s %d MiB ", $1, $2 / 1024 }' "/proc/$jvm/status")
echo "$label: agent RSS after ${secs} s = $(( $(rss_kb "$jvm") / 1024 )) MiB (${rss_parts% })"
echo "$label: agent JVM: $(tr '\0' ' ' < "/proc/$jvm/cmdline" | sed 's/ -jar .*//')"
awk -v c0="$a_c0" -v c1="$a_c1" -v k0="$k0" -v k1="$k1" -v hz="$hz" -v w0="$w0" -v w1="$w1" -v s="$samples" \
    -v l="$label" 'BEGIN {
  n = k1 - k0; cpu = (c1 - c0) / hz;
  printf "%s: agent: window %.0f s, %d collections, process CPU %.2f s -> %.2f ms per collection",
    l, (w1 - w0) / 1e9, n, cpu, n ? cpu * 1000 / n : 0;
  printf " (all threads: collect, encode, outbox, send, TLS, GC, JIT); %d samples per collection -> %.0f us per sample\n",
    s, (n && s) ? cpu * 1e6 / n / s : 0 }'
if [[ -n "$ne_pid" ]]; then
  ne_series=$(grep -vc '^#' "$out/ne-last.txt" || true)
  ne_meta=$(grep -v '^#' "$out/ne-last.txt" \
    | grep -cE '^(go_|process_|promhttp_|node_scrape_collector_|node_exporter_build_info)' || true)
  awk -v c0="$n_c0" -v c1="$n_c1" -v n="$scrapes" -v hz="$hz" -v s="$ne_series" -v m="$ne_meta" \
      -v rss="$(rss_kb "$ne_pid")" -v l="$label" -v mode="$NODE_EXPORTER" 'BEGIN {
    cpu = (c1 - c0) / hz;
    printf "%s: node_exporter (%s collectors): RSS %d MiB, %d scrapes in the window, CPU %.2f s -> %.2f ms per scrape;",
      l, mode, rss / 1024, n, cpu, n ? cpu * 1000 / n : 0;
    printf " %d series per scrape (%d of them about the exporter or the scrape) -> %.0f us per series\n",
      s, m, (n && s) ? cpu * 1e6 / n / s : 0 }'
fi
