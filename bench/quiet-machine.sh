# Sourced by the benchmark scripts: what makes their runs comparable and their result files honest.

# Waits (up to 10 minutes; BENCH_WAIT_ROUNDS=0 to skip) until the 1-minute load average is at most 0.3, so the
# build and anything else have settled, then sets load_before: a run that starts on a busy machine is invalid.
wait_for_quiet_machine() {
  for _ in $(seq 1 "${BENCH_WAIT_ROUNDS:-120}"); do
    awk '{exit !($1 <= 0.3)}' /proc/loadavg && break
    sleep 5
  done
  load_before=$(cut -d' ' -f1 /proc/loadavg)
}

# The commit the run measures, and whether the working tree differed from it.
commit_measured() {
  echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null \
    || echo ' (with uncommitted changes)')"
}
