#!/bin/sh
# Soak benchmark of the live engine (BENCHMARKS.md, "Live mode: soak"):
# bench/scenarios/soak-50k.yaml, 50,000 phones over real TFTP on loopback
# through a reset burst with a TFTP restart in the middle of it, run three
# times while bench/soak_live.py scrapes --metrics every second:
#   baseline  the same burst without the restart and without loss;
#   soak      with --loss 0.05 and the restart, to the end;
#   sigint    the same, SIGINT in the middle of the burst (just after the
#             restart), timed from the signal to the exit.
# Fails (exit 1) when the phone states do not add up to the fleet at a
# scrape, more phones are unreachable than the server refused or let time
# out (or any at the end), the run fails its expectations, or the
# interrupted run does not exit 130 within 10 s with summary.json saying so.
# Bounded: each run is killed past its scenario time plus ten minutes.
#
# usage: bench/soak-live.sh [BUILD_DIR] [OUT_DIR]   (env PHONES, TIME_SCALE, LOSS)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/release}
out=${2:-soak-out}
phones=${PHONES:-50000}
scale=${TIME_SCALE:-1}
# 3m20s of scenario time: after the restart at 3m15s, phones still rebooting.
sigint_after=$(python3 -c "print(200 * $scale)")
exec python3 "$here/soak_live.py" --itlfleet "$build/app/itlfleet" \
  --scenario "$here/scenarios/soak-50k.yaml" --phones "$phones" --time-scale "$scale" \
  --loss "${LOSS:-0.05}" --out "$out" --baseline --soak --sigint-after "$sigint_after"
