#!/usr/bin/env bash
# What Spark costs (issues 5 and 15): for 28x28x1->32, 32x32x3->32 and 56x56x64->64 (3x3 same relu), the job's
# RDD transform and the Spark ML transformer on a cached DataFrame in local[2], each beside the kernel alone on the
# same images and cores; then a task's memory on one partition of 200,000 images in a 512 MB heap, both APIs.
# Writes bench/benchmarks/spark-path.txt with the load average (valid results need a quiet machine).
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
# This JVM holds the images twice (the cached RDD and the kernel-alone copy), which a real executor does not:
# a higher G1 marking threshold keeps that from starting concurrent cycles that only the Spark job would pay.
heap="-Xmx8g -Xms8g -XX:+AlwaysPreTouch -XX:InitiatingHeapOccupancyPercent=75"
# QUICK=1 divides the image counts by 20: a smoke run that checks the benchmark works, not a result.
scale=${QUICK:+20}
scale=${scale:-1}
n() { echo $(( $1 / scale )); }
{
  echo "Command: ${QUICK:+QUICK=1 }bench/spark-path.sh"
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  lscpu | grep -E '^(Model name|CPU\(s\)):' | sed 's/  */ /g'
  echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (numbers taken under load are not results)"
  echo
  for size in "28x28x1 32 64 200000" "32x32x3 32 64 100000" "56x56x64 64 16 3000"; do
    set -- $size
    echo "== Throughput $1 -> $2 (3x3 same relu), 2 cores: the job's RDD transform (SparkConv.apply) vs the kernel alone"
    run $heap -cp "$cp" io.sparkconv.bench.SparkPath mode=throughput api=rdd images=$(n $4) size=$1 filters=$2 batch=$3
    echo
    echo "== Throughput $1 -> $2: the Spark ML transformer on a cached DataFrame of array<float> vs the kernel alone"
    run $heap -cp "$cp" io.sparkconv.bench.SparkPath mode=throughput api=ml images=$(n $4) size=$1 filters=$2 batch=$3
    echo
  done
  echo "== Memory: one task, one partition of $(n 200000) images of 28x28x1, heap 512 MB (-Xmx512m)"
  run -Xmx512m -cp "$cp" io.sparkconv.bench.SparkPath mode=memory api=rdd images=$(n 200000) size=28x28x1 filters=32 \
      cores=1 batches=16,64,256,1024
  echo
  run -Xmx512m -cp "$cp" io.sparkconv.bench.SparkPath mode=memory api=ml images=$(n 200000) size=28x28x1 filters=32 \
      cores=1 batches=64,1024
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
