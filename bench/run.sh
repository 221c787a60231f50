#!/usr/bin/env bash
# Regenerates the committed benchmark results: builds the bench module, waits for a quiet machine, measures the
# FMA peak, runs the JMH suite (one JVM per shape and thread count, implementations interleaved inside it) and
# writes the table to bench/benchmarks/<cpu>.txt, one file per CPU model (a result belongs to its CPU).
#
#   bench/run.sh                          # whole suite -> bench/benchmarks/<cpu>.txt (about 15 minutes)
#   bench/run.sh shapes=b,f threads=1     # a subset -> bench/benchmarks/<cpu>-partial.txt
#   MVN_FLAGS=-o JAVA=/path/to/java bench/run.sh ...   # another JDK: -> bench/benchmarks/<cpu>-jdkNN.txt
#   JVM_FLAGS=-XX:UseAVX=2 bench/run.sh ...   # this CPU as an AVX2 one (16 vector registers, 256 bits) for our
#                                             # code; TensorFlow's own code is not restricted -> <cpu>-useavx2.txt
#
# The file says VALID or INVALID at the top: a run is invalid when the load average before it exceeds 0.3 or
# after it exceeds 0.3 + its threads, or when TensorFlow reaches less than 60% of the measured FMA peak on
# shapes b, c or d (see io.sparkconv.bench.Report). Only valid files are quoted as results.
# Report arguments: shapes=a,..,h,m threads=1,2 rounds=5 warmup=2 seconds=1 (see io.sparkconv.bench.Report).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}

mvn -q -B -ntp ${MVN_FLAGS:-} -pl bench -am package -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"

model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
family=$(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
cpu_model=$(grep -m1 '^model\s*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
slug=$(echo "$model" | tr 'A-Z' 'a-z' | sed 's/([^)]*)//g; s/[^a-z0-9]\+/-/g; s/^-//; s/-$//')-f${family}m${cpu_model}
jdk=$("$JAVA" -XshowSettings:properties -version 2>&1 | grep 'java.runtime.version' | cut -d= -f2 | tr -d ' ')
out=bench/benchmarks/$slug
[ "${jdk%%.*}" != "17" ] && out=$out-jdk${jdk%%.*}
case "${JVM_FLAGS:-}" in *UseAVX=2*) out=$out-useavx2 ;; esac
[ $# -gt 0 ] && out=$out-partial
out=$out.txt
mkdir -p bench/benchmarks

. bench/quiet-machine.sh
wait_for_quiet_machine

# TensorFlow Java otherwise shares one process-wide intra-op pool, ignoring the session's thread count.
export TF_OVERRIDE_GLOBAL_THREADPOOL=1
# Quiet TensorFlow's start-up banners in the log.
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-1}

tmp=$(mktemp)
"$JAVA" ${JVM_FLAGS:-} --add-modules=jdk.incubator.vector -Xmx1g -cp "$cp" io.sparkconv.bench.Report out="$tmp" \
  loadBefore="$load_before" "$@"
{
  echo "Command: ${JVM_FLAGS:+JVM_FLAGS=\"$JVM_FLAGS\" }bench/run.sh $*${JAVA:+ (JAVA=$JAVA)}"
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "Commit: $(commit_measured)"
  echo "CPU: $model (family $family, model $cpu_model), $(nproc) CPUs"
  lscpu | grep -E '^(Thread\(s\) per core|L2 cache|L3 cache):' | sed 's/  */ /g'
  echo "Flags: AVX2 $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no), AVX-512F $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"
  echo "JDK: $jdk"
  cat "$tmp"
} > "$out"
rm -f "$tmp"
echo "wrote $out"
