#!/usr/bin/env bash
# What Spark costs (issues 5 and 15), every acceptance ratio of issue 15 in one file:
# - for 28x28x1->32, 32x32x3->32 and 56x56x64->64 (3x3 same relu), in local[2] on the same images and cores: the
#   job's partition path on a cached RDD of records, the Spark ML transformer on a cached DataFrame, and the kernel alone;
#   ratios transformer/RDD job (>= 0.90) and RDD job/kernel alone (>= 0.80 on 28x28x1, >= 0.90 on 56x56x64);
# - sparkconv run on a foreign Parquet table (id, image array<float>) vs the same images from NPY (>= 0.90);
# - sparkconv run end to end, NPY in, Parquet out (--output-encoding binary; array for reference), 32x32x3->16,
#   vs the lesser of the kernel alone and the disk's
#   sequential write rate measured here (>= 0.70);
# - a task's memory on one partition of 200,000 images in a 512 MB heap, both APIs.
# Writes bench/benchmarks/spark-path.txt, marked VALID only when the load average before the run was <= 0.3 (as
# bench/run.sh) and the run was not a QUICK=1 smoke run.
#   MVN_FLAGS=-o bench/spark-path.sh        (QUICK=1: a twentieth of the images, to check it works)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
out=bench/benchmarks/spark-path.txt
mkdir -p bench/benchmarks
mvn -q -B -ntp ${MVN_FLAGS:-} -pl bench -am package -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt):$(cat bench/target/spark-classpath.txt)"
# The module options Spark needs on Java 17+ (as the parent pom's jvm.module.opts) and the Vector API.
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
 --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
 --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
 -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true
 --add-modules=jdk.incubator.vector"
run() { "$JAVA" $opens "$@" 2>&1 | grep --line-buffered -v -E '^(WARNING|Using Spark|Setting default log level|To adjust logging)| INFO '; }
# Throughput runs: a committed, pre-touched heap (-Xms = -Xmx, AlwaysPreTouch) as a long-running executor has;
# in a short run a growing heap's first-touch page faults land on the Spark job, which allocates its outputs.
# This JVM holds the images three times (the cached RDD, the cached DataFrame and the kernel-alone copy: 1,000 images
# of 56x56x64 are 0.8 GB each, 3,000 ran out of the 8 GB heap), which a
# real executor does not: a higher G1 marking threshold keeps that from starting concurrent cycles.
heap="-Xmx8g -Xms8g -XX:+AlwaysPreTouch -XX:InitiatingHeapOccupancyPercent=75"
# QUICK=1 divides the image counts by 20: a smoke run that checks the benchmark works, not a result.
scale=${QUICK:+20}
scale=${scale:-1}
n() { echo $(( $1 / scale )); }
. bench/quiet-machine.sh
wait_for_quiet_machine
# Before the output file is rewritten (which would count as an uncommitted change).
commit=$(commit_measured)
work=$(mktemp -d "${BENCH_DIR:-bench/target}/spark-path.XXXXXX")
trap 'rm -rf "$work"' EXIT
body=$(mktemp)
{
  for size in "28x28x1 32 64 200000 0.80" "32x32x3 32 64 100000 0.80" "56x56x64 64 16 1000 0.90"; do
    set -- $size
    echo "== Throughput $1 -> $2 (3x3 same relu), 2 cores: RDD job, transformer, kernel alone"
    run $heap -cp "$cp" io.sparkconv.bench.SparkPath mode=throughput api=both images=$(n $4) size=$1 filters=$2 \
        batch=$3 rddTarget=$5
    echo
  done
  echo "== sparkconv run: a foreign Parquet table (id, image array<float>) vs the same images from NPY, 28x28x1 -> 32"
  run -Xmx4g -cp "$cp" io.sparkconv.bench.RunPath mode=foreign images=$(n 40000) size=28x28x1 filters=32 \
      dir="$work/foreign"
  echo
  # The disk's sequential write rate where the job writes: 1 GiB (a twentieth with QUICK=1), flushed to the disk.
  disk_mb=$(( 1024 / scale ))
  disk_mbps=$(dd if=/dev/zero of="$work/disk-probe" bs=1M count=$disk_mb conv=fdatasync 2>&1 \
      | awk '/copied/ {for (i = 1; i <= NF; i++) if ($i == "copied,") t = $(i + 1); print '"$disk_mb"' * 1.048576 / t}')
  rm -f "$work/disk-probe"
  echo "== sparkconv run end to end, NPY in, Parquet out, 32x32x3 -> 16 vs min(kernel alone, disk ${disk_mbps} MB/s)"
  run -Xmx4g -cp "$cp" io.sparkconv.bench.RunPath mode=e2e images=$(n 40000) size=32x32x3 filters=16 \
      diskMBps="$disk_mbps" dir="$work/e2e"
  echo
  echo "== Memory: one task, one partition of $(n 200000) images of 28x28x1, heap 512 MB (-Xmx512m)"
  run -Xmx512m -cp "$cp" io.sparkconv.bench.SparkPath mode=memory api=rdd images=$(n 200000) size=28x28x1 filters=32 \
      cores=1 batches=16,64,256,1024
  echo
  run -Xmx512m -cp "$cp" io.sparkconv.bench.SparkPath mode=memory api=ml images=$(n 200000) size=28x28x1 filters=32 \
      cores=1 batches=64,1024
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$body"
if [ -n "${QUICK:-}" ]; then
  verdict="INVALID (QUICK=1: a smoke run with a twentieth of the images, not a result)"
elif awk -v l="$load_before" 'BEGIN {exit !(l <= 0.3)}'; then
  verdict="VALID (load average $load_before <= 0.3 before the run)"
else
  verdict="INVALID (load average $load_before > 0.3 before the run: a busy machine)"
fi
{
  echo "$verdict"
  echo "Command: ${QUICK:+QUICK=1 }bench/spark-path.sh"
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "Commit: $commit"
  lscpu | grep -E '^(Model name|CPU\(s\)):' | sed 's/  */ /g'
  echo "Load average at the start: $load_before"
  echo
  echo "Acceptance ratios (issue 15):"
  grep '^RATIO' "$body" | sed 's/^RATIO /  /'
  echo
  cat "$body"
} > "$out"
rm -f "$body"
echo "wrote $out: $verdict"
