#!/usr/bin/env bash
# What Spark costs (issue 5): the job's transform (and the ML transformer) in local mode on generated in-memory
# images versus the kernel alone on the same images and cores, then a task's memory by mini-batch size on one
# partition of 100,000 images in a 512 MB heap. Writes bench/benchmarks/spark-path.txt (about 5 minutes).
#   MVN_FLAGS=-o bench/spark-path.sh
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
{
  echo "Command: bench/spark-path.sh"
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  lscpu | grep -E '^(Model name|CPU\(s\)):' | sed 's/  */ /g'
  echo
  echo "== Throughput: the spark-submit job's transform (SparkConv.apply, RDD) in local[2] vs the kernel alone, same images, 2 cores"
  run $heap -cp "$cp" io.sparkconv.bench.SparkPath mode=throughput api=rdd images=200000 size=28x28x1 filters=32 batch=64
  echo
  run $heap -cp "$cp" io.sparkconv.bench.SparkPath mode=throughput api=rdd images=100000 size=32x32x3 filters=32 batch=64
  echo
  run $heap -cp "$cp" io.sparkconv.bench.SparkPath mode=throughput api=rdd images=3000 size=56x56x64 filters=64 batch=16
  echo
  echo "== Throughput: the Spark ML transformer (DataFrame of array<float>) in local[2] vs the kernel alone"
  run $heap -cp "$cp" io.sparkconv.bench.SparkPath mode=throughput api=ml images=20000 size=28x28x1 filters=32 batch=64
  echo
  echo "== Memory: one task, one partition of 100,000 images of 28x28x1, heap 512 MB (-Xmx512m)"
  run -Xmx512m -cp "$cp" io.sparkconv.bench.SparkPath mode=memory api=rdd images=100000 size=28x28x1 filters=32 cores=1 \
      batches=16,64,256,1024
  echo
  run -Xmx512m -cp "$cp" io.sparkconv.bench.SparkPath mode=memory api=ml images=100000 size=28x28x1 filters=32 cores=1 \
      batches=64,1024
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
