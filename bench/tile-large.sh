#!/usr/bin/env bash
# Tiled convolution of one large image, end to end, with bounded memory (not part of the tests: it needs about
# 30 GB of free disk and a quarter of an hour on 2 cores).
#
#  1. generates a SIZE x SIZE x 3 float32 NPY (default 20000: 4.8 GB) in a temporary folder, deleted at the end;
#  2. runs `bin/sparkconv tile` through local[2] with a HEAP (1g) driver heap and tiles of TILE (1024): reports
#     its time, output pixels/s and peak RSS;
#  3. runs `bin/sparkconv export --stitch` with the same heap: peak RSS;
#  4. spot-checks the stitched maps against `bin/sparkconv apply` on cropped windows (corners and interior),
#     bit for bit;
#  5. runs the kernel alone (io.sparkconv.bench.TileKernelProbe) on the same tiles, pixels and 2 threads, and
#     prints tiled-mode throughput as a fraction of it, and the bytes it writes per second as a fraction of the
#     disk's sequential write rate, measured here (the output is float32 maps: a light layer is bound by writing them).
# Every timing line carries the load average: numbers from a loaded machine say little. Writes
# bench/benchmarks/tile-large.txt, marked VALID only when the load average before the run was <= 0.3 (as
# bench/run.sh), and only with the default SIZE.
#
#   bench/tile-large.sh                                  # the defaults below -> bench/benchmarks/tile-large.txt
#   KSIZE=15 FILTERS=4 bench/tile-large.sh               # a compute-bound layer -> tile-large-k15-f4.txt
#   SIZE=6000 TILE=512 FILTERS=16 KSIZE=7 bench/tile-large.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-20000}
TILE=${TILE:-1024}
FILTERS=${FILTERS:-8}
KSIZE=${KSIZE:-5}
HEAP=${HEAP:-1g}
CHECKS=${CHECKS:-6}
JAVA=${JAVA:-java}
load() { cut -d' ' -f1-3 /proc/loadavg; }
rss() { sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$1" | awk '{printf "%.0f MiB", $1 / 1024}'; }

mvn -q -B -ntp ${MVN_FLAGS:-} -pl spark-job,bench -am package -DskipTests
. bench/quiet-machine.sh
wait_for_quiet_machine
commit=$(commit_measured)
work=$(mktemp -d "${TMPDIR:-/tmp}/sparkconv-tile-large.XXXXXX")
body=$(mktemp)
trap 'rm -rf "$work" "$body"' EXIT
# Everything below goes to the terminal and to the result file, with the temporary folder's path as $WORK.
exec 3>&1 > >(sed -u "s|$work|\$WORK|g" | tee "$body" >&3)
output_pid=$!
echo "work folder: \$WORK (deleted at the end); $(nproc) cores; load average $(load)"

python3 - "$work" "$SIZE" "$FILTERS" "$KSIZE" <<'PY'
import json, sys
import numpy as np
work, size, filters, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
image = np.lib.format.open_memmap(f"{work}/scene.npy", mode="w+", dtype="<f4", shape=(size, size, 3))
rng = np.random.default_rng(18)
for r in range(0, size, 512):
    rows = min(512, size - r)
    image[r:r + rows] = rng.uniform(-1, 1, (rows, size, 3)).astype("<f4")
image.flush()
del image
np.save(f"{work}/kernel.npy", rng.uniform(-0.5, 0.5, (k, k, 3, filters)).astype("<f4"))
np.save(f"{work}/bias.npy", rng.uniform(-0.5, 0.5, (filters,)).astype("<f4"))
for name, padding in (("layer", "same"), ("valid", "valid")):
    layer = {"class_name": "Conv2D", "config": {"name": "big", "filters": filters, "kernel_size": [k, k],
             "strides": [1, 1], "padding": padding, "activation": "relu", "use_bias": True}}
    with open(f"{work}/{name}.json", "w") as f:
        json.dump(layer, f)
PY
echo "generated $work/scene.npy: $(du -h "$work/scene.npy" | cut -f1)"
# The disk's sequential write rate where the job writes: 1 GiB flushed to the disk, after the scene's own
# writes have reached it (measured while they are flushed, the rate is a fraction of the disk's).
sync
disk_mbps=$(dd if=/dev/zero of="$work/disk-probe" bs=1M count=1024 conv=fdatasync 2>&1 \
    | awk '/copied/ {for (i = 1; i <= NF; i++) if ($i == "copied,") t = $(i + 1); print 1024 * 1.048576 / t}')
rm -f "$work/disk-probe"
echo "disk: $disk_mbps MB/s sequential (dd, 1 GiB, fdatasync)"

echo "== tile: ${SIZE}x${SIZE}x3, tiles of $TILE, $FILTERS filters ${KSIZE}x${KSIZE}, local[2], heap $HEAP; load before $(load)"
/usr/bin/time -v -o "$work/tile.time" env SPARKCONV_HEAP="$HEAP" bin/sparkconv tile --input "$work/scene.npy" \
    --layer "$work/layer.json" --kernel "$work/kernel.npy" --bias "$work/bias.npy" --tile "$TILE" \
    --master 'local[2]' --output "$work/tiles" --progress-seconds 30 | tee "$work/tile.out"
echo "tile: peak RSS $(rss "$work/tile.time"); load after $(load)"
job_rate=$(sed -n 's/^time: .* s, \([0-9.]*\) Mpx\/s.*/\1/p' "$work/tile.out")

echo "== export --stitch; load before $(load)"
/usr/bin/time -v -o "$work/stitch.time" env SPARKCONV_HEAP="$HEAP" bin/sparkconv export --stitch \
    --input "$work/tiles" --output "$work/maps.npy" --master 'local[2]'
echo "stitch: $(grep 'Elapsed (wall clock)' "$work/stitch.time" | sed 's/.*: //') wall, peak RSS $(rss "$work/stitch.time"); load after $(load)"
rm -rf "$work/tiles"

echo "== spot checks: $CHECKS cropped windows through apply (VALID on the window with its zero padding)"
python3 - "$work" "$CHECKS" "$KSIZE" <<'PY'
import subprocess, sys
import numpy as np
work, checks, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
image = np.load(f"{work}/scene.npy", mmap_mode="r")
maps = np.load(f"{work}/maps.npy", mmap_mode="r")
h, w = image.shape[:2]
pad = (k - 1) // 2                                  # SAME, stride 1: (k-1)/2 before, the rest after
size = 96
rng = np.random.default_rng(5)
corners = [(0, 0), (0, w - size), (h - size, 0), (h - size, w - size)]
spots = corners + [(int(rng.integers(0, h - size)), int(rng.integers(0, w - size))) for _ in range(max(0, checks - 4))]
for r, c in spots[:checks]:
    window = np.zeros((size + k - 1, size + k - 1, 3), "<f4")
    r0, c0 = r - pad, c - pad
    rr0, cc0 = max(r0, 0), max(c0, 0)
    rr1, cc1 = min(r0 + size + k - 1, h), min(c0 + size + k - 1, w)
    window[rr0 - r0:rr1 - r0, cc0 - c0:cc1 - c0] = image[rr0:rr1, cc0:cc1]
    np.save(f"{work}/window.npy", window[None])
    subprocess.run(["bin/sparkconv", "apply", "--input", f"{work}/window.npy", "--layer", f"{work}/valid.json",
                    "--kernel", f"{work}/kernel.npy", "--bias", f"{work}/bias.npy", "--output", f"{work}/spot.npy"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    spot = np.load(f"{work}/spot.npy")[0]
    tiled = np.ascontiguousarray(maps[r:r + size, c:c + size])
    same = np.array_equal(spot.view(np.int32), tiled.view(np.int32))
    print(f"spot ({r}, {c}) {size}x{size}: {'bit-identical' if same else 'DIFFERENT'}")
    if not same:
        sys.exit(1)
PY

echo "== kernel alone on the same tiles, 2 threads; load before $(load)"
kernel_out=$("$JAVA" --add-modules=jdk.incubator.vector -Xmx"$HEAP" -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
    io.sparkconv.bench.TileKernelProbe "$work/layer.json" "$work/kernel.npy" "$SIZE" "$SIZE" 3 "$TILE" 2 2>/dev/null)
echo "$kernel_out; load after $(load)"
kernel_rate=$(echo "$kernel_out" | sed -n 's/.*s, \([0-9.]*\) Mpx\/s.*/\1/p')
awk -v j="$job_rate" -v k="$kernel_rate" -v f="$FILTERS" -v d="$disk_mbps" 'BEGIN {
    printf "RATIO tiled mode: %.2f Mpx/s = %.2f of the kernel alone (%.2f Mpx/s; target >= 0.85)\n", j, j / k, k
    printf "RATIO tiled mode writes %.0f MB/s of float32 maps = %.2f of the disk'"'"'s %.0f MB/s\n", j * f * 4, j * f * 4 / d, d }'
exec 1>&3 3>&-
wait "$output_pid" 2>/dev/null || sleep 1
if [ "$SIZE" != 20000 ]; then
  verdict="INVALID (SIZE=$SIZE: not the benchmark's 20000x20000 image)"
elif awk -v l="$load_before" 'BEGIN {exit !(l <= 0.3)}'; then
  verdict="VALID (load average $load_before <= 0.3 before the run)"
else
  verdict="INVALID (load average $load_before > 0.3 before the run: a busy machine)"
fi
# The default layer (5x5, 8 filters: light, bound by writing its output) has the plain name; another its own file.
out=bench/benchmarks/tile-large.txt
[ "$FILTERS/$KSIZE" != 8/5 ] && out=bench/benchmarks/tile-large-k${KSIZE}-f${FILTERS}.txt
{
  echo "$verdict"
  echo "Command: bench/tile-large.sh (SIZE=$SIZE TILE=$TILE FILTERS=$FILTERS KSIZE=$KSIZE HEAP=$HEAP)"
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "Commit: $commit"
  lscpu | grep -E '^(Model name|CPU\(s\)):' | sed 's/  */ /g'
  echo "JDK: $("$JAVA" -version 2>&1 | head -1)"
  echo "Load average at the start: $load_before"
  echo
  grep '^RATIO' "$body" | sed 's/^RATIO /  /'
  echo
  cat "$body"
} > "$out"
echo "wrote $out: $verdict"
