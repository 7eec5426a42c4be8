#!/usr/bin/env bash
# Whole-fleet runs of the virtual engine at growing fleet sizes, next to the
# bare event loop measured in the same run, as a Markdown table for
# BENCHMARKS.md.
#
#   scripts/bench-fleet.sh                      # double-regen-recovery at 10k, 100k, 1M
#   SCENARIO=pre-10-itl SIZES="10000 100000" scripts/bench-fleet.sh
#
# Each run is bounded: simulated time ends at the scenario's `end`.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd -- "$script_dir/.."

scenario=${SCENARIO:-double-regen-recovery}
sizes=${SIZES:-"10000 100000 1000000"}
bin=build/release/app/itlfleet
bench=build/release/bench/itlfleet_bench

bash scripts/setup.sh --preset release >/dev/null

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# Baseline: the same event queue with no phones behind it.
"$bench" --benchmark_filter='BM_Baseline_EventLoop/100000$' --benchmark_format=json \
  >"$work/baseline.json" 2>/dev/null
baseline=$(sed -n 's/.*"items_per_second": \([0-9.e+]*\).*/\1/p' "$work/baseline.json" | head -n 1)

echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?') · Date: $(date -u +%F) · Scenario: $scenario"
echo "Bare event loop (BM_Baseline_EventLoop/100000, same run): $(awk -v b="$baseline" 'BEGIN{printf "%.2fM events/s", b/1e6}')"
echo
echo "| phones | wall time | events | events/s | ratio to bare loop | peak RSS | bytes/phone | outcome |"
echo "|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  status=0
  "$bin" run "$scenario" --phones "$n" --quiet >"$work/out.txt" 2>"$work/err.txt" || status=$?
  line=$(grep 'events in' "$work/err.txt" || true)
  events=$(sed -n 's/^\([0-9]*\) events in.*/\1/p' <<<"$line")
  wall=$(sed -n 's/.* events in \([0-9.]*\) s.*/\1/p' <<<"$line")
  rss=$(sed -n 's/.*peak memory \([0-9.]*\) MB.*/\1/p' <<<"$line")
  verdict=$([[ $status -eq 0 ]] && echo "expectations hold" || echo "exit $status")
  awk -v n="$n" -v w="$wall" -v e="$events" -v r="$rss" -v b="$baseline" -v v="$verdict" 'BEGIN {
    rate = e / w
    printf "| %d | %.2f s | %d | %.2fM/s | %.2f | %.0f MB | %.0f | %s |\n",
      n, w, e, rate / 1e6, rate / b, r, r * 1048576 / n, v
  }'
done
