#!/usr/bin/env bash
# Paced or not, with /metrics served or not, a run's output files are
# byte-identical for one seed.
#
#   pace_test.sh ITLFLEET_BIN
set -euo pipefail
bin=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

args=(run double-regen-recovery --phones 300 --seed 7 -q)
# Same relative --out in two directories: stdout names it.
mkdir -p "$work/a" "$work/b"
(cd "$work/a" && "$bin" "${args[@]}" --out out >../fast.txt)
start_ms=$(($(date +%s%N) / 1000000))
# The 60-minute scenario at 900 scenario seconds per wall second: about 4 s.
(cd "$work/b" && "$bin" "${args[@]}" --out out --pace 900 --metrics 127.0.0.1:0 >../paced.txt)
wall_ms=$(($(date +%s%N) / 1000000 - start_ms))
status=0
for f in "$work"/a/out/*; do
  name=$(basename "$f")
  if ! cmp -s "$f" "$work/b/out/$name"; then
    echo "FAIL: $name differs between the unpaced and the paced run"
    diff <(head -c 2000 "$f") <(head -c 2000 "$work/b/out/$name") | head -20 || true
    status=1
  fi
done
[ "$(ls "$work/a/out" | wc -l)" -ge 4 ] || { echo "FAIL: fewer than 4 output files"; status=1; }
cmp -s "$work/fast.txt" "$work/paced.txt" || { echo "FAIL: stdout differs"; status=1; }
# Pacing must have happened: 3600 s / 900 = 4 s at least.
if [ "$wall_ms" -lt 3900 ]; then
  echo "FAIL: the paced run took $wall_ms ms, expected at least 4 s"
  status=1
fi
[ $status = 0 ] && echo "PASS: $(ls "$work/a/out" | tr '\n' ' ')identical; paced run $wall_ms ms"
exit $status
