#!/usr/bin/env bash
# Regenerates the committed benchmark results: builds the bench module, runs the JMH suite (one JVM per shape
# and thread count, implementations interleaved inside it) and writes the table to bench/benchmarks/.
#
#   bench/run.sh                          # whole suite -> bench/benchmarks/suite.txt (about 15 minutes)
#   bench/run.sh shapes=b,f threads=1     # a subset -> bench/benchmarks/partial.txt
#   MVN_FLAGS=-o JAVA=/path/to/java bench/run.sh ...
#
# Report arguments: shapes=a,..,h threads=1,2 rounds=5 warmup=2 seconds=1 (see io.sparkconv.bench.Report).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
out=bench/benchmarks/suite.txt
mkdir -p bench/benchmarks
if [ $# -gt 0 ]; then out=bench/benchmarks/partial.txt; fi

mvn -q -B -ntp ${MVN_FLAGS:-} -pl bench -am package -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"

# TensorFlow Java otherwise shares one process-wide intra-op pool, ignoring the session's thread count.
export TF_OVERRIDE_GLOBAL_THREADPOOL=1
# Quiet TensorFlow's start-up banners in the log.
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-1}

tmp=$(mktemp)
"$JAVA" --add-modules=jdk.incubator.vector -Xmx1g -cp "$cp" io.sparkconv.bench.Report out="$tmp" "$@"
{
  echo "Command: bench/run.sh $*"
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  lscpu | grep -E '^(Model name|CPU\(s\)|Thread\(s\) per core|L2 cache|L3 cache):' | sed 's/  */ /g'
  echo "AVX-512F: $(grep -q avx512f /proc/cpuinfo && echo yes || echo no)"
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  cat "$tmp"
} > "$out"
rm -f "$tmp"
echo "wrote $out"
