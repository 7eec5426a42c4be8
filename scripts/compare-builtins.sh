#!/usr/bin/env bash
# Runs every built-in scenario with two itlfleet binaries and compares their
# output files byte for byte: summary.json, junit.xml, timeseries.csv,
# groups.csv and events.log must be identical; report.html may differ only in
# lines that carry a generation timestamp (shown when they do); so must what
# `run` prints on stdout (stderr carries wall-clock figures and is not compared).
#
#   scripts/compare-builtins.sh BIN_A BIN_B [SCENARIO...]
#
# Without scenarios: every one `BIN_A run --list` names. Exit 0 when every
# file matches, 1 otherwise. Runs one scenario at a time.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 BIN_A BIN_B [SCENARIO...]" >&2
  exit 2
fi
a=$1
b=$2
shift 2
if [[ $# -gt 0 ]]; then
  scenarios=("$@")
else
  mapfile -t scenarios < <("$a" run --list)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=(summary.json junit.xml timeseries.csv groups.csv events.log)
# A report line that names when it was generated; nothing else may differ.
stamp='[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}'

failed=0
for s in "${scenarios[@]}"; do
  for side in a b; do
    bin=$a
    [[ $side == b ]] && bin=$b
    set +e
    # One output path for both, so that stdout (which names it) compares too.
    "$bin" run "$s" --quiet --out "$work/out" >"$work/$side.$s.stdout" 2>"$work/$side.$s.stderr"
    echo $? >"$work/$side.$s.rc"
    set -e
    mkdir -p "$work/$side"
    mv "$work/out" "$work/$side/$s"
  done
  verdict=identical
  if ! cmp -s "$work/a.$s.rc" "$work/b.$s.rc"; then
    verdict="exit status differs ($(cat "$work/a.$s.rc") vs $(cat "$work/b.$s.rc"))"
  fi
  if ! cmp -s "$work/a.$s.stdout" "$work/b.$s.stdout"; then
    verdict="stdout differs"
    diff "$work/a.$s.stdout" "$work/b.$s.stdout" | head -5 || true
  fi
  for f in "${files[@]}"; do
    if ! cmp -s "$work/a/$s/$f" "$work/b/$s/$f"; then
      verdict="$f differs"
      diff "$work/a/$s/$f" "$work/b/$s/$f" | head -5 || true
    fi
  done
  report=""
  if ! cmp -s "$work/a/$s/report.html" "$work/b/$s/report.html"; then
    if diff <(grep -Ev "$stamp" "$work/a/$s/report.html") \
      <(grep -Ev "$stamp" "$work/b/$s/report.html") >/dev/null; then
      report=" (report.html: only timestamp lines differ)"
    else
      verdict="report.html differs beyond timestamps"
      diff "$work/a/$s/report.html" "$work/b/$s/report.html" | head -5 || true
    fi
  fi
  [[ $verdict == identical ]] || failed=1
  printf '%-32s %s%s\n' "$s" "$verdict" "$report"
done
if [[ $failed == 0 ]]; then
  echo "all ${#scenarios[@]} built-ins: outputs identical"
fi
exit $failed
