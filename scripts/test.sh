#!/usr/bin/env bash
# Build and run every test, from a fresh Debian machine if need be.
#
#   scripts/test.sh           everything (what CI runs)
#   scripts/test.sh --quick   the release phase only, for day-to-day work
#
# 1. release: scripts/setup.sh (installs dependencies, builds everything), then
#    the whole ctest suite.
# 2. asan: the parser and protocol tests (trust-file codec, scenario loader,
#    TFTP, TVS and HTTP codecs, clients and servers) built with
#    AddressSanitizer + UBSan and run under them.
# 3. fuzz: scripts/fuzz.sh builds the libFuzzer targets (clang, ASan + UBSan)
#    and fuzzes each parser for fuzz_seconds from its seed corpus; each target
#    counts as one test, failed on any finding.
#
# Costs on a 2-core machine, fresh: release ~10 min to build + ~8 min of
# tests; asan ~4 + ~1 min; fuzz ~1 min to build + 40 s per target. The
# summary gives each phase's time as measured.
#
# All phases run even if an earlier one fails. Prints per-phase results and, as
# the last line, `N passed, M failed` over the ctest runs and the fuzz targets.
# Exit status is non-zero if any build, test or fuzz target failed. Logs:
# build/test-logs/.
set -uo pipefail

# GoogleTest executables whose tests also run under the sanitizers; each test
# carries a ctest LABEL equal to its executable's name (tests/CMakeLists.txt).
readonly asan_targets=(sim_codec_tests scenarios_tests net_tftp_tests net_tvs_tests net_http_tests)
readonly ctest_timeout=600 # seconds, per test
readonly fuzz_seconds=40   # per fuzz target; 5 targets + their build: ~5 min on 2 cores

quick=false
case ${1:-} in
  --quick) quick=true ;;
  "") ;;
  -h | --help)
    sed -n '2,25p' "$0"
    exit 0
    ;;
  *)
    echo "test.sh: unknown argument '$1' (expected --quick)" >&2
    exit 2
    ;;
esac

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd -- "$script_dir/.." || exit 1

# phase_time NAME START: appends "NAME took Ns" to the results.
phase_time() {
  results+=("$1 took $((SECONDS - $2)) s")
}

log_dir=build/test-logs
total_passed=0
total_failed=0
status=0
results=()

# run_ctest PHASE ctest-args...: runs ctest, shows its output, adds its counts
# to the totals. ctest's summary reads "NN% tests passed, F tests failed out of T".
run_ctest() {
  local phase=$1
  shift
  local log=$log_dir/ctest-$phase.log rc line failed total
  mkdir -p "$log_dir"
  echo "== test.sh: ctest $*"
  ctest "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" |
    grep -Eo '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' | tail -n 1)
  if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=${BASH_REMATCH[1]}
    total=${BASH_REMATCH[2]}
    total_passed=$((total_passed + total - failed))
    total_failed=$((total_failed + failed))
    results+=("$phase: $((total - failed)) passed, $failed failed (ctest exit $rc)")
  else
    results+=("$phase: ctest printed no summary (exit $rc)")
    ((rc != 0)) || rc=1
  fi
  if ((rc != 0)); then
    status=1
  fi
}

# --- 1. release: everything --------------------------------------------------
started=$SECONDS
echo "== test.sh: release build"
if bash "$script_dir/setup.sh" --preset release; then
  run_ctest release --preset release --output-on-failure -j2 --timeout "$ctest_timeout" \
    --no-tests=error
else
  results+=("release: BUILD FAILED, tests not run")
  status=1
fi
phase_time release "$started"

if $quick; then
  echo
  echo "== test.sh: summary (--quick: release only; asan and fuzz skipped)"
  for r in "${results[@]}"; do
    echo "  $r"
  done
  echo "$total_passed passed, $total_failed failed"
  exit "$status"
fi

# --- 2. asan: parsers under AddressSanitizer + UBSan -------------------------
started=$SECONDS
echo "== test.sh: asan build (${asan_targets[*]})"
if bash "$script_dir/setup.sh" --preset asan --targets "${asan_targets[@]}"; then
  label_regex=$(
    IFS='|'
    echo "${asan_targets[*]}"
  )
  # Sanitizer settings for this command only: stack traces, fail on any finding.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    run_ctest asan --preset asan -L "^($label_regex)\$" --output-on-failure -j2 \
    --timeout "$ctest_timeout" --no-tests=error
else
  results+=("asan: BUILD FAILED, tests not run")
  status=1
fi
phase_time asan "$started"

# --- 3. fuzz: libFuzzer targets, a bounded time each -------------------------
started=$SECONDS
echo "== test.sh: fuzz (${fuzz_seconds}s per target)"
mkdir -p "$log_dir"
fuzz_log=$log_dir/fuzz.log
bash "$script_dir/fuzz.sh" --time "$fuzz_seconds" 2>&1 | tee "$fuzz_log"
fuzz_rc=${PIPESTATUS[0]}
# fuzz.sh ends with "N passed, M failed", one per target; a build failure
# prints no such line.
fuzz_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$fuzz_log" | tail -n 1)
if [[ $fuzz_line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  total_passed=$((total_passed + BASH_REMATCH[1]))
  total_failed=$((total_failed + BASH_REMATCH[2]))
  results+=("fuzz: ${BASH_REMATCH[1]} passed, ${BASH_REMATCH[2]} failed (fuzz.sh exit $fuzz_rc)")
  ((fuzz_rc == 0)) || status=1
else
  results+=("fuzz: BUILD FAILED or no summary (fuzz.sh exit $fuzz_rc), targets not run")
  status=1
fi
phase_time fuzz "$started"

# --- summary -----------------------------------------------------------------
echo
echo "== test.sh: summary"
for r in "${results[@]}"; do
  echo "  $r"
done
if ((status != 0)); then
  echo "  FAILED (see above; logs in $log_dir/)"
fi
echo "$total_passed passed, $total_failed failed"
exit "$status"
