#!/bin/bash
# One bridge run of an A/B comparison: a fresh bridge from BUILD (a private copy holding dams, launcher/target/dams.jar
# and launcher/target/lib/), with its own empty data directory, under the 1,000-agent load of IngestBench, then stopped.
#
#   bench/ingest/ab-run.sh LABEL BUILD DIR PLATFORM_PID
#
# DIR is an `IngestBench setup` directory (its bridge.yaml is copied with dataDir/spoolDir renamed to bridge-data-LABEL),
# PLATFORM_PID the pid `setup` printed ("SETUP READY pid=..."). Writes /tmp/ab-LABEL-bridge.log and
# /tmp/ab-LABEL-load.txt, and prints the load's result. Run from the repository root; alternate the builds
# (A1 B1 A2 B2 ...): the shared platform drifts from run to run.
set -euo pipefail
label=$1
build=$2
dir=$3
platform=$4
cfg=$dir/bridge-$label.yaml
status_port=$(awk '/^status:/ {s=1} s && /port:/ {print $2; exit}' "$dir/bridge.yaml")
sed "s#$dir/bridge-data#$dir/bridge-data-$label#g" "$dir/bridge.yaml" > "$cfg"

(cd "$build" && DAMS_SKIP_BUILD=1 exec ./dams bridge --config "$cfg" > "/tmp/ab-$label-bridge.log" 2>&1) &
bridge=""
for _ in $(seq 1 240); do
  for p in $(pgrep -f "bridge --config $cfg" || true); do
    [ "$(cat /proc/"$p"/comm 2>/dev/null)" = java ] && bridge=$p
  done
  if [ -n "$bridge" ] && curl -sf "http://127.0.0.1:$status_port/healthz" > /dev/null; then
    break
  fi
  sleep 0.5
done
[ -n "$bridge" ] || { echo "$label: the bridge did not start; see /tmp/ab-$label-bridge.log" >&2; exit 1; }
echo "$label: bridge pid $bridge, platform pid $platform, $(date -u +%T)"

java -cp "$build/launcher/target/lib/*:$build/launcher/target/dams.jar" bench/ingest/IngestBench.java \
  load "$dir" 1000 8 60 60 "$bridge" "$platform" > "/tmp/ab-$label-load.txt" 2>&1
kill "$bridge"
while kill -0 "$bridge" 2>/dev/null; do sleep 0.5; done
echo "$label: done $(date -u +%T)"
grep -E '^samples/s|^bridge:|^ack' "/tmp/ab-$label-load.txt"
