#!/usr/bin/env bash
# Before/after in one run: builds the bench module of a base revision (default: the first parent of HEAD) in a
# temporary worktree, then alternates the base's and the current code's Probe on the same shapes (each in its own
# JVM, rounds interleaved so load drifts hit both alike), with TensorFlow measured in every JVM as the control.
#
#   bench/compare.sh BASE_REV [shapes=a,b,c,d,e,f,g] [rounds=3] [seconds=4]
#   -> bench/benchmarks/<cpu>-before-after.txt
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/compare.sh BASE_REV [shapes=...] [rounds=N] [seconds=S]}
shift
shapes=a,b,c,d,e,f,g; rounds=3; seconds=4
for arg in "$@"; do
  case "$arg" in
    shapes=*) shapes=${arg#shapes=} ;;
    rounds=*) rounds=${arg#rounds=} ;;
    seconds=*) seconds=${arg#seconds=} ;;
    *) echo "unknown argument $arg" >&2; exit 2 ;;
  esac
done
JAVA=${JAVA:-java}
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add --detach "$tmp/base" "$base" >/dev/null
(cd "$tmp/base" && mvn -q -B -ntp ${MVN_FLAGS:-} -pl bench -am package -DskipTests)
mvn -q -B -ntp ${MVN_FLAGS:-} -pl bench -am package -DskipTests

export TF_OVERRIDE_GLOBAL_THREADPOOL=1 TF_CPP_MIN_LOG_LEVEL=2
. bench/quiet-machine.sh
wait_for_quiet_machine
probe() {   # $1: tree; prints "shape t=1  vector X  tensorflow Y" lines
  (cd "$1" && "$JAVA" --add-modules=jdk.incubator.vector -Xmx2g -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
    io.sparkconv.bench.Probe "$shapes" 1 "$seconds" vector,tensorflow 2>/dev/null | grep ' t=1 ')
}
results=$tmp/results
for r in $(seq 1 "$rounds"); do
  probe "$tmp/base" | sed "s/^/before /" >> "$results"
  probe . | sed "s/^/after /" >> "$results"
done
load_after=$(cut -d' ' -f1 /proc/loadavg)
model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
family=$(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
cpu_model=$(grep -m1 '^model\s*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')
slug=$(echo "$model" | tr 'A-Z' 'a-z' | sed 's/([^)]*)//g; s/[^a-z0-9]\+/-/g; s/^-//; s/-$//')-f${family}m${cpu_model}
out=bench/benchmarks/$slug-before-after.txt
{
  echo "Command: bench/compare.sh $base $*"
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "Before: $(git rev-parse --short "$base")  After: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo "CPU: $model (family $family, model $cpu_model), $(nproc) CPUs; AVX-512F $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"
  echo "JDK: $("$JAVA" -XshowSettings:properties -version 2>&1 | grep 'java.runtime.version' | cut -d= -f2 | tr -d ' ')"
  echo "Load average (1 min): $load_before before, $load_after after"
  awk -v a="$load_before" -v b="$load_after" 'BEGIN{ print (a > 0.3 || b > 1.3) ? "RUN: INVALID - the machine was busy, not a result" : "RUN: VALID (quiet machine: load <= 0.3 before, <= 1.3 after)" }'
  echo "Single thread; GFLOP/s medians of $rounds interleaved rounds, each the median of Probe's quarter-second runs."
  echo "TensorFlow runs in both JVMs as the control: its before/after ratio shows the noise of the run."
  echo
  printf '%-5s %14s %14s %8s   %14s %14s %8s\n' shape "vector before" "vector after" "after/b" "TF before" "TF after" "after/b"
  for s in ${shapes//,/ }; do
    awk -v s="$s" '
      function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
      $2 == s { if ($1 == "before") { vb[++nb] = $5; tb[nb] = $7 } else { va[++na] = $5; ta[na] = $7 } }
      END { mvb = median(vb, nb); mva = median(va, na); mtb = median(tb, nb); mta = median(ta, na)
            printf "%-5s %14.1f %14.1f %8.2f   %14.1f %14.1f %8.2f\n", s, mvb, mva, mva / mvb, mtb, mta, mta / mtb }' "$results"
  done
} > "$out"
cat "$out"
