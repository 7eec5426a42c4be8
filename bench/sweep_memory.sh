#!/bin/sh
# Peak memory of `itlfleet sweep` against --jobs: 4 points at 100,000 phones
# with 1, 2 and 4 jobs, and one `itlfleet run` of the same fleet as the
# baseline (GNU time's max RSS). Usage: bench/sweep_memory.sh [BUILD_DIR]
set -eu
build=${1:-build/release}
bin="$build/app/itlfleet"
for jobs in 1 2 4; do
  /usr/bin/time -f "jobs $jobs: %M KB max RSS, %e s wall" \
    "$bin" sweep hold-timer-too-short --vary 'timeline[2].at=15m..16m30s/30s' \
    --phones 100000 --jobs "$jobs" -q 2>&1 >/dev/null | grep '^jobs'
done
/usr/bin/time -f "run alone: %M KB max RSS, %e s wall" \
  "$bin" run hold-timer-too-short --phones 100000 -q 2>&1 >/dev/null | grep '^run alone'
