#!/usr/bin/env bash
# The main job: set up and build the itlfleet binary (scripts/setup.sh
# --run-only --targets itlfleet), then run the default
# built-in scenario and write its outputs (summary.json, junit.xml,
# timeseries.csv, groups.csv, events.log, report.html) to out/default/.
#
#   scripts/run-default.sh [extra itlfleet run options, e.g. --phones 100000 --seed 7]
#
# Exit status: that of `itlfleet run` (non-zero when an expectation fails).
set -euo pipefail

# The default scenario: one of `itlfleet`'s built-in scenarios (README.md lists them).
readonly DEFAULT_SCENARIO=double-regen-recovery
readonly OUT_DIR=out/default
readonly ITLFLEET_BIN=build/release/app/itlfleet

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd -- "$script_dir/.."

# Only what the run needs: the build packages (not the test peers) and the
# itlfleet binary (not the tests and benchmarks; scripts/test.sh builds those).
bash "$script_dir/setup.sh" --preset release --run-only --targets itlfleet

[[ -x $ITLFLEET_BIN ]] || {
  echo "run-default.sh: error: $ITLFLEET_BIN was not built" >&2
  exit 1
}

echo "run-default.sh: $ITLFLEET_BIN run $DEFAULT_SCENARIO --out $OUT_DIR $*"
status=0
"$ITLFLEET_BIN" run "$DEFAULT_SCENARIO" --out "$OUT_DIR" "$@" || status=$?
echo "run-default.sh: outputs in $OUT_DIR/ (exit status $status)"
exit "$status"
