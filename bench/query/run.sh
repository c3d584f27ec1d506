#!/usr/bin/env bash
# Query API latency vs Prometheus: runs bench/query/QueryBench.java on a snapshot of the launcher's classpath.
#   bench/query/run.sh [--dir DIR] [QueryBench options: --rounds N, --jfr, --only LIST, ...]
# Needs wrk and Prometheus 2.42 (Debian: apt-get install -y wrk prometheus) and a built launcher
# (./mvnw -q -B -ntp -pl launcher package -DskipTests after installing the modules it bundles).
# The classpath is copied into DIR/cp first, so that a rebuild of launcher/target during the run changes nothing
# under the running JVM. Environment: QUERYBENCH_JAVA_OPTS (default -Xmx3g), DAMS_LOG_LEVEL (default WARN),
# QUERYBENCH_EXTRA_JARS (jars copied over the snapshot).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

for tool in wrk prometheus java jcmd; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "run.sh: $tool is missing (apt-get install -y wrk prometheus; a JDK 17 for java and jcmd)" >&2
    exit 1
  fi
done
if [[ ! -f launcher/target/dams.jar ]]; then
  echo "run.sh: launcher/target/dams.jar is missing; ./mvnw -q -B -ntp -pl launcher package -DskipTests" >&2
  exit 1
fi

dir=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[$i]}" == "--dir" ]]; then
    dir="${args[$((i + 1))]}"
  fi
done
if [[ -z "$dir" ]]; then
  dir="$(mktemp -d /tmp/dams-querybench-XXXXXX)"
  args+=(--dir "$dir")
fi
mkdir -p "$dir/cp"
cp launcher/target/lib/*.jar launcher/target/dams.jar "$dir/cp/"
# Module jars built since the launcher was packaged (e.g. query-service/target/dams-query-service-0.1.0.jar) replace
# the launcher's copies of the same name.
for jar in ${QUERYBENCH_EXTRA_JARS:-}; do
  cp "$jar" "$dir/cp/"
done
echo "run.sh: work dir $dir; classpath snapshot of launcher/target taken $(date -u +%FT%TZ)" >&2

export DAMS_LOG_LEVEL="${DAMS_LOG_LEVEL:-WARN}"
# shellcheck disable=SC2086
exec java ${QUERYBENCH_JAVA_OPTS:--Xmx3g} -cp "$dir/cp/*" bench/query/QueryBench.java "${args[@]}"
