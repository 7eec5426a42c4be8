#!/bin/sh
# A 1,000-point sweep in one process against the same sweep as 4 shards
# (`--shard K/4`, run one after another here, as 4 machines would run them
# at once) merged with `itlfleet merge`: wall time and max RSS of each, and
# whether the merged sweep.csv is byte-identical to the one process's.
# Usage: bench/sweep_shards.sh [BUILD_DIR] [WORK_DIR]
set -eu
build=${1:-build/release}
work=${2:-$(mktemp -d)}
bin="$build/app/itlfleet"
# 40 fleet sizes x 25 serving counts = 1,000 points of hold-timer-too-short.
grid="--vary phones=100..4000/100 --vary cluster.tftp.max_serving_count=10..250/10"
# shellcheck disable=SC2086
/usr/bin/time -f "one process: %e s wall, %M KB max RSS" \
  "$bin" sweep hold-timer-too-short $grid --jobs 2 -q --out "$work/one" 2>&1 >/dev/null |
  grep '^one process'
for k in 0 1 2 3; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "shard $k/4: %e s wall, %M KB max RSS" \
    "$bin" sweep hold-timer-too-short $grid --jobs 2 -q --shard "$k/4" --out "$work/shard-$k" \
    2>&1 >/dev/null | grep '^shard'
done
/usr/bin/time -f "merge: %e s wall, %M KB max RSS" \
  "$bin" merge "$work/merged" "$work/shard-0" "$work/shard-1" "$work/shard-2" "$work/shard-3" \
  2>&1 >/dev/null | grep '^merge'
echo "points: $(($(wc -l <"$work/one/sweep.csv") - 1)) rows in one process's sweep.csv"
if cmp "$work/one/sweep.csv" "$work/merged/sweep.csv"; then
  echo "sweep.csv: merged shards byte-identical to one process ($(sha256sum <"$work/one/sweep.csv" | cut -c1-16))"
else
  echo "sweep.csv: merged shards DIFFER from one process"
  exit 1
fi
