#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/, CMake preset `fuzz`: clang, ASan + UBSan)
# and fuzz each one for a bounded time or number of executions.
#
#   scripts/fuzz.sh [--time SECONDS | --runs N] [--max-time SECONDS] [--merge] [--no-build] [TARGET...]
#
#   scripts/fuzz.sh --time 40            # as CI runs it (scripts/test.sh)
#   scripts/fuzz.sh --runs 1000000       # the long run (BENCHMARKS.md)
#   scripts/fuzz.sh --time 600 scenario  # one target, ten minutes
#
# 1. `scripts/setup.sh --deps-only` (clang and libfuzzer-14-dev are among its
#    packages), then `cmake --preset fuzz` and a build of the targets asked for.
# 2. Per target, in order: copies fuzz/corpus/TARGET to a scratch directory
#    (build/fuzz-work/TARGET/corpus; the repository's corpus never grows unless
#    --merge) and runs fuzz_TARGET on it with the target's -max_len and
#    dictionary (fuzz/dict/TARGET.dict). Every run stops by itself: after
#    --time seconds, or --runs executions (capped by --max-time if given); a
#    single input that runs longer than 25 s is a finding (timeout).
# 3. Prints per target: executions, exec/s, wall time, corpus growth, and
#    PASS or FAIL. A finding (crash, leak, UB, violated property, timeout,
#    a process over 2 GB) keeps its input under build/fuzz-artifacts/TARGET/
#    and prints its path and the command that replays it.
#
# --merge adds to fuzz/corpus/TARGET the inputs of the scratch corpus that
# cover something the seeds do not (libFuzzer -merge=1, minimising).
# Last line: `N passed, M failed` (one per target). Exit status: 0 when no
# target found anything, 1 on any finding, 2 on bad usage or a failed build.
# Logs: build/fuzz-work/TARGET/fuzz.log.
set -uo pipefail

# Targets, in the order they run, with the largest input libFuzzer may make.
# Seeds: ITLs up to 8 KB (a phone takes 64 KB), .sgn configs of 1-2 KB, YAML
# scenarios of 2 KB, TFTP requests and options of a few dozen bytes (DATA
# payloads are opaque, so 1 KB suffices), TVS messages with one certificate.
readonly all_targets=(trust_list signed_file scenario tftp_packet tvs_message)
declare -A max_len=(
  [trust_list]=16384
  [signed_file]=8192
  [scenario]=8192
  [tftp_packet]=1024
  [tvs_message]=4096
)
readonly unit_timeout=25  # seconds for one input: a slower one is a finding
readonly rss_limit_mb=2048 # memory of a target process: more is a finding

usage() {
  cat <<EOF
usage: scripts/fuzz.sh [options] [TARGET...]

Build the libFuzzer targets (preset fuzz) and fuzz each for a bounded time or
number of executions, from a scratch copy of its seed corpus.

targets: ${all_targets[*]} (default: all)

options:
  --time SECONDS      fuzz each target this long (default 60)
  --runs N            fuzz each target for N executions instead
  --max-time SECONDS  with --runs: stop a target after this long anyway
  --merge             add new coverage from the run to fuzz/corpus/TARGET
  --no-build          use the targets already in build/fuzz
  -h, --help          this text
EOF
}

die() {
  printf 'fuzz.sh: error: %s\n' "$*" >&2
  exit 2
}

is_count() {
  [[ $1 =~ ^[1-9][0-9]*$ ]]
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
cd -- "$repo_root" || exit 2

seconds=
runs=
max_time=
merge=false
build=true
targets=()
while (($# > 0)); do
  case $1 in
    --time)
      is_count "${2:-}" || die "--time needs a number of seconds"
      seconds=$2
      shift 2
      ;;
    --runs)
      is_count "${2:-}" || die "--runs needs a number of executions"
      runs=$2
      shift 2
      ;;
    --max-time)
      is_count "${2:-}" || die "--max-time needs a number of seconds"
      max_time=$2
      shift 2
      ;;
    --merge)
      merge=true
      shift
      ;;
    --no-build)
      build=false
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      usage >&2
      die "unknown option: $1"
      ;;
    *)
      [[ -n ${max_len[$1]:-} ]] || die "unknown target '$1' (expected: ${all_targets[*]})"
      targets+=("$1")
      shift
      ;;
  esac
done
[[ -n $seconds && -n $runs ]] && die "give --time or --runs, not both"
[[ -n $max_time && -z $runs ]] && die "--max-time goes with --runs"
[[ -z $seconds && -z $runs ]] && seconds=60
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")

bin_dir=build/fuzz/fuzz
work_root=build/fuzz-work
artifact_root=build/fuzz-artifacts

# One fuzz.sh at a time: runs share build/fuzz-work and the build.
mkdir -p build
exec 9>build/fuzz.lock
flock -n 9 || die "another scripts/fuzz.sh is running in this tree (build/fuzz.lock)"

# --- 1. build ----------------------------------------------------------------
if $build; then
  bash "$script_dir/setup.sh" --deps-only || die "could not install the build dependencies"
  jobs=$(nproc 2>/dev/null || echo 2)
  echo "fuzz.sh: configuring preset 'fuzz'"
  cmake --preset fuzz >/dev/null || die "cmake --preset fuzz failed"
  echo "fuzz.sh: building ${targets[*]/#/fuzz_} (-j$jobs)"
  cmake --build --preset fuzz -j "$jobs" --target "${targets[@]/#/fuzz_}" ||
    die "building the fuzz targets failed"
fi
for t in "${targets[@]}"; do
  [[ -x $bin_dir/fuzz_$t ]] || die "$bin_dir/fuzz_$t is missing (run without --no-build)"
done

# --- 2. fuzz -----------------------------------------------------------------
# final_stat NAME LOG: a value from libFuzzer's -print_final_stats block, or "?".
final_stat() {
  local v
  v=$(sed -n "s/^stat::$1: *\([0-9.]*\)$/\1/p" "$2" | tail -n 1)
  echo "${v:-?}"
}

count_files() {
  find "$1" -type f | wc -l
}

passed=0
failed=0
summary=()
if [[ -n $runs ]]; then
  echo "fuzz.sh: ${#targets[@]} target(s), $runs executions each${max_time:+ (at most ${max_time}s)}"
else
  echo "fuzz.sh: ${#targets[@]} target(s), ${seconds}s each"
fi

for t in "${targets[@]}"; do
  bin=$bin_dir/fuzz_$t
  work=$work_root/$t
  art=$artifact_root/$t
  log=$work/fuzz.log
  rm -rf -- "$work"
  mkdir -p -- "$work/corpus" "$art"
  cp -- fuzz/corpus/"$t"/* "$work/corpus/"
  seeds=$(count_files "$work/corpus")
  marker=$work/started
  : >"$marker"

  # Memory: libFuzzer's own RSS limit prints a heap profile first, which can
  # take minutes on a 2 GB heap; ASan's hard_rss_limit_mb (set below) stops
  # at once and libFuzzer still saves the input. -malloc_limit_mb catches a
  # single huge allocation with its stack.
  args=("-max_len=${max_len[$t]}" "-timeout=$unit_timeout" -rss_limit_mb=0
    "-malloc_limit_mb=$rss_limit_mb" -print_final_stats=1 -error_exitcode=77
    -timeout_exitcode=78 "-artifact_prefix=$art/")
  [[ -f fuzz/dict/$t.dict ]] && args+=("-dict=fuzz/dict/$t.dict")
  # The outer timeout only guards against a hung libFuzzer: libFuzzer stops
  # itself at -max_total_time, and reports a slow input after -timeout.
  guard=()
  if [[ -n $runs ]]; then
    args+=("-runs=$runs")
    if [[ -n $max_time ]]; then
      args+=("-max_total_time=$max_time")
      guard=(timeout --kill-after=30 $((max_time + unit_timeout + 120)))
    fi
  else
    args+=("-max_total_time=$seconds")
    guard=(timeout --kill-after=30 $((seconds + unit_timeout + 120)))
  fi

  echo "== fuzz.sh: $t: $bin ${args[*]} $work/corpus"
  start=$(date +%s.%N)
  ASAN_OPTIONS=hard_rss_limit_mb=$rss_limit_mb${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "${guard[@]}" "$bin" "${args[@]}" "$work/corpus" >"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

  execs=$(final_stat number_of_executed_units "$log")
  # libFuzzer's average_exec_per_sec is whole runs over whole seconds; this
  # is runs over wall time (start-up and corpus loading included).
  rate=$(awk -v n="$execs" -v s="$wall" 'BEGIN { if (n + 0 > 0 && s + 0 > 0) printf "%.0f", n / s; else print "?" }')
  rss=$(final_stat peak_rss_mb "$log")
  grown=$(count_files "$work/corpus")
  seed=$(sed -n 's/^INFO: Seed: \([0-9]*\)$/\1/p' "$log" | head -n 1)
  mapfile -t findings < <(find "$art" -type f -newer "$marker" | sort)

  figures="$execs runs in ${wall}s, $rate exec/s, peak RSS ${rss} MB, corpus $seeds -> $grown files, seed ${seed:-?}"
  if ((rc == 0 && ${#findings[@]} == 0)); then
    passed=$((passed + 1))
    summary+=("PASS $t: $figures, no finding")
    echo "fuzz.sh: PASS $t: $figures"
  else
    failed=$((failed + 1))
    if ((rc == 124 || rc == 137)); then
      what="killed by the guard timeout (libFuzzer hung)"
    elif ((rc == 78)); then
      what="timeout: an input ran longer than ${unit_timeout}s"
    elif grep -q 'property violated' "$log"; then
      what="violated property"
    elif grep -qE 'hard rss limit exhausted|out-of-memory' "$log"; then
      what="out of memory (over ${rss_limit_mb} MB)"
    elif grep -q 'LeakSanitizer' "$log"; then
      what="memory leak"
    elif grep -q 'runtime error' "$log"; then
      what="undefined behaviour (UBSan)"
    elif grep -q 'AddressSanitizer' "$log"; then
      what="memory error (ASan)"
    else
      what="crash (libFuzzer exit $rc)"
    fi
    summary+=("FAIL $t: $what; $figures; log $log")
    echo "fuzz.sh: FAIL $t: $what (log: $log):"
    grep -E 'ERROR|SUMMARY|property violated|runtime error|rss limit' "$log" | head -n 20 |
      sed 's/^/  | /'
    for f in "${findings[@]}"; do
      summary+=("  artefact $f (replay: $bin $f)")
      echo "fuzz.sh: artefact $f (replay: $bin $f)"
    done
  fi

  if $merge && ((rc == 0)); then
    before=$(count_files "fuzz/corpus/$t")
    "$bin" -merge=1 "-max_len=${max_len[$t]}" "fuzz/corpus/$t" "$work/corpus" >"$work/merge.log" 2>&1 ||
      echo "fuzz.sh: merge into fuzz/corpus/$t failed (log: $work/merge.log)"
    echo "fuzz.sh: merge: fuzz/corpus/$t $before -> $(count_files "fuzz/corpus/$t") files"
  fi
done

# --- 3. summary ----------------------------------------------------------------
echo
echo "== fuzz.sh: summary"
for s in "${summary[@]}"; do
  echo "  $s"
done
echo "$passed passed, $failed failed"
((failed == 0)) || exit 1
exit 0
