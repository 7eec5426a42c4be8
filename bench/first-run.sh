#!/usr/bin/env bash
# Times README.md's first command on a fresh machine, package download and
# install included: a Debian 12 (bookworm) root with only the tools a new
# machine of this kind comes with (compiler, CMake, GoogleTest, Google
# Benchmark, the clang tools, gdb, valgrind, git, python3) and none of
# itlfleet's own build packages (Boost, OpenSSL, CLI11, yaml-cpp,
# prometheus-cpp, ...), in which
#
#   git clone REPO itlfleet && cd itlfleet && scripts/run-default.sh
#
# runs with no compiler cache. Prints the time of each phase (clone, apt,
# configure, build, run), the packages apt installed and their download size,
# the slowest build steps, and the load average before and after (other work
# on the machine stretches every phase; compare it with the figures).
#
#   bench/first-run.sh [--commit REV] [--repo DIR] [--cache DIR] [--new-base]
#                      [--timeout SECONDS] [--keep]
#
#   --commit REV    what to clone and run (default: HEAD of --repo)
#   --repo DIR      the git repository to clone from (default: this one)
#   --cache DIR     where the base root tarball and the last run's logs are
#                   kept, outside the repository (default:
#                   /var/tmp/itlfleet-first-run)
#   --new-base      make the base tarball again even if one exists
#   --timeout S     stop the run inside the root after S seconds (default 3600)
#   --keep          keep the extracted root (default: removed at the end)
#
# Needs root (chroot, mounts), mmdebstrap and unshare, and the machine's apt
# sources reachable (the root is made from the sources in
# /etc/apt/sources.list.d/debian.sources, and apt inside it uses them too).
# Each run extracts the base tarball anew, so nothing is installed or cached
# from an earlier run: apt downloads every package again.
# Exit status: 0 when run-default.sh succeeded, else non-zero.
set -euo pipefail

die() {
  printf 'first-run.sh: error: %s\n' "$*" >&2
  exit 1
}
say() { printf 'first-run.sh: %s\n' "$*"; }

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$script_dir/.." && pwd)
commit=HEAD
cache=/var/tmp/itlfleet-first-run
new_base=false
keep=false
timeout_s=3600
while (($# > 0)); do
  case $1 in
    --commit) (($# >= 2)) || die "--commit needs a value"; commit=$2; shift 2 ;;
    --repo) (($# >= 2)) || die "--repo needs a value"; repo=$2; shift 2 ;;
    --cache) (($# >= 2)) || die "--cache needs a value"; cache=$2; shift 2 ;;
    --timeout) (($# >= 2)) || die "--timeout needs a value"; timeout_s=$2; shift 2 ;;
    --new-base) new_base=true; shift ;;
    --keep) keep=true; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

((EUID == 0)) || die "must run as root (it makes a chroot and mounts /proc, /sys, /dev in it)"
for tool in mmdebstrap unshare chroot git tar timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (Debian: apt-get install mmdebstrap util-linux coreutils git tar)"
done
[[ $timeout_s =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, got '$timeout_s'"
sources=/etc/apt/sources.list.d/debian.sources
[[ -r $sources ]] || die "$sources not found: the base root is made from the machine's bookworm apt sources"
rev=$(git -C "$repo" rev-parse --verify "$commit^{commit}" 2>/dev/null) ||
  die "'$commit' is not a commit in $repo"

# What a new machine of this kind has (and nothing of itlfleet's own): keep in
# step with the machine description, not with scripts/setup.sh. Recommends are
# left out, so the base is, if anything, smaller than a real new machine and
# apt has at least as much to do.
readonly base_packages=(
  ca-certificates git python3 make g++ cmake
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  clang-format clang-tidy clangd cppcheck bear gdb valgrind heaptrack
)
# The cache holds a root file system of a gigabyte or more: never inside the
# repository (checked before anything is made there).
cache_abs=$(realpath -m -- "$cache")
case $cache_abs/ in "$(realpath -- "$repo")"/*) die "--cache must be outside the repository ($repo)" ;; esac
mkdir -p -- "$cache_abs"
cache=$cache_abs
# The tarball's name carries a hash of the package list, so a changed list
# makes a new base rather than silently reusing the old one.
list_hash=$(printf '%s\n' "${base_packages[@]}" | sha256sum | cut -c1-12)
base_tar=$cache/bookworm-base-$list_hash.tar

if $new_base || [[ ! -s $base_tar ]]; then
  say "making the base root $base_tar (${#base_packages[@]} packages and their dependencies)"
  base_start=$EPOCHREALTIME
  include=$(IFS=,; echo "${base_packages[*]}")
  timeout 1800 mmdebstrap --quiet --variant=apt --format=tar --include="$include" \
    bookworm "$base_tar.part" "$sources" ||
    { rm -f -- "$base_tar.part"; die "mmdebstrap failed (is $sources reachable?)"; }
  mv -- "$base_tar.part" "$base_tar"
  say "base root made in $(awk -v a="$base_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s"
fi

root=$(mktemp -d "$cache/root.XXXXXX")
logs=$cache/last-run
cleanup() {
  # The mounts live in the run's own mount namespace and are gone with it;
  # check anyway before removing anything, and never cross into another
  # file system.
  if $keep; then
    say "root kept: $root"
  elif grep -q " $root/" /proc/self/mounts; then
    say "warning: something is still mounted under $root; not removing it"
  else
    rm -rf --one-file-system -- "$root"
  fi
}
trap cleanup EXIT

say "extracting a fresh root in $root"
tar -C "$root" -xf "$base_tar"
cp -L -- /etc/resolv.conf "$root/etc/resolv.conf"
# Not timed: a bare copy of the repository stands in for the remote the
# README's `git clone` reads from (the clone itself, inside the root, is timed,
# but from a local path, so no network time is in it).
git clone --quiet --bare --no-local -- "$repo" "$root/var/tmp/itlfleet.git"
git -C "$root/var/tmp/itlfleet.git" update-ref refs/heads/first-run "$rev"
[[ -z $(chroot "$root" sh -c 'command -v ccache' || true) ]] ||
  die "the base root has ccache; a new machine has no compiler cache"

# Runs inside the root: the README's command, every output line stamped with
# the seconds since the start, so the phases can be read off setup.sh's and
# run-default.sh's own progress lines.
cat >"$root/var/tmp/first-run-inner.sh" <<'EOF'
set -uo pipefail
cd /root
start=$EPOCHREALTIME
stamp() {
  while IFS= read -r line; do
    printf '%.1f %s\n' "$(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN { print a - b }')" "$line"
  done
}
{
  echo "loadavg-start $(cat /proc/loadavg)"
  echo "clone-start"
  git clone --quiet --branch first-run /var/tmp/itlfleet.git itlfleet 2>&1
  echo "clone-done"
  cd itlfleet
  status=0
  CCACHE_DISABLE=1 scripts/run-default.sh 2>&1 </dev/null || status=$?
  echo "run-default-status $status"
  # CPU seconds (user + system) of everything run-default.sh ran: unlike the
  # wall times, hardly moved by other work on the machine.
  # (`times` itself, not in a pipe: a subshell would count none of them.)
  times >/var/tmp/first-run-times.txt
  awk 'NR == 2 { u = $1; s = $2; sub(/m/, " ", u); sub(/s$/, "", u); sub(/m/, " ", s); sub(/s$/, "", s)
    split(u, a, " "); split(s, b, " "); printf "cpu-children %.1f\n", a[1] * 60 + a[2] + b[1] * 60 + b[2] }' \
    /var/tmp/first-run-times.txt
  echo "loadavg-end $(cat /proc/loadavg)"
} | stamp
EOF

mkdir -p -- "$logs"
# Only this run's logs: a run that stops early must not show the last one's.
rm -f -- "$logs/run.log" "$logs/setup-apt.log" "$logs/ninja_log"
log=$logs/run.log
say "running in the root: git clone ... itlfleet && cd itlfleet && scripts/run-default.sh (commit ${rev:0:12}, timeout ${timeout_s}s)"
set +e
# Own mount namespace: the mounts end with the run. Own PID namespace with
# --kill-child: a timeout kills every process of the run (dpkg included), so
# none still writes into the root while it is removed.
# shellcheck disable=SC2016 # $1 and $root expand in the inner bash, on purpose
timeout --kill-after=30 "$timeout_s" unshare --mount --propagation private --pid --fork --kill-child -- bash -c '
  set -e
  root=$1
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash /var/tmp/first-run-inner.sh
' first-run "$root" | tee "$log"
rc=${PIPESTATUS[0]}
set -e
((rc == 0)) || say "the run inside the root ended with status $rc (124: timed out)"

# Keep what explains the figures: apt's log and ninja's per-step times.
cp -f -- "$root/root/itlfleet/build/setup-apt.log" "$logs/setup-apt.log" 2>/dev/null || true
cp -f -- "$root/root/itlfleet/build/release/.ninja_log" "$logs/ninja_log" 2>/dev/null || true

# Phase times from the stamped progress lines.
at() { awk -v pat="$1" 'index($0, pat) { print $1; exit }' "$log"; }
span() {
  local a b
  a=$(at "$2")
  b=$(at "$3")
  if [[ -n $a && -n $b ]]; then
    printf '  %-32s %7.1f s\n' "$1" "$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')"
  else
    printf '  %-32s %7s\n' "$1" "n/a"
  fi
}
echo
say "phases (seconds since the clone started)"
span "git clone (local)" "clone-start" "clone-done"
span "apt-get update + install" "setup.sh: missing packages" "setup.sh: installed"
span "cmake configure" "setup.sh: configuring preset" "setup.sh: building preset"
span "build (itlfleet target)" "setup.sh: building preset" "setup.sh: build '"
span "itlfleet run (default scenario)" "run-default.sh: build/" "run-default.sh: outputs in"
span "total" "clone-start" "run-default-status"
grep -E '^[0-9.]+ loadavg-' "$log" | sed 's/^[0-9.]* /  /'
awk '$2 == "cpu-children" { printf "  CPU time (user + system) of run-default.sh and all it ran: %s s\n", $3 }' "$log"
if [[ -s $logs/setup-apt.log ]]; then
  say "apt (from build/setup-apt.log)"
  grep -E 'newly installed|^Need to get|^After this operation' "$logs/setup-apt.log" | sed 's/^/  /'
fi
if [[ -s $logs/ninja_log ]]; then
  say "slowest build steps (ninja, seconds)"
  awk -F'\t' '!/^#/ { printf "  %6.1f %s\n", ($2 - $1) / 1000, $4 }' "$logs/ninja_log" |
    sort -rn | head -n 12
  awk -F'\t' '!/^#/ { n++; s += ($2 - $1) / 1000 } END { printf "  %d steps, %.0f s of compile/link time in all\n", n, s }' \
    "$logs/ninja_log"
fi
say "logs in $logs/"

status=$(awk '$2 == "run-default-status" { print $3 }' "$log")
[[ $status == 0 ]] || die "run-default.sh did not succeed (status ${status:-unknown})"
