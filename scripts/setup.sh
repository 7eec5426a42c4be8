#!/usr/bin/env bash
# Make this machine able to build itlfleet, then build it.
#
#   scripts/setup.sh [--preset release|asan] [--targets T...] [--run-only] [--deps-only] [--show-versions]
#
# 1. Checks the Debian packages below with dpkg-query; if any is missing, runs
#    `apt-get update` once and `apt-get install -y --no-install-recommends` the
#    missing ones (as root, or through sudo when it exists; dpkg without an
#    fsync per file, see apt_opts below). apt's output goes to
#    build/setup-apt.log and is shown only if apt fails.
# 2. Configures and builds with the CMake preset (`cmake --preset NAME`,
#    `cmake --build --preset NAME -j$(nproc)`), all targets unless --targets.
#
# Idempotent: with everything installed and built it only re-runs CMake, which
# has nothing to do. Works from any directory. Exports nothing.
set -euo pipefail

# Build dependencies, by Debian (bookworm) package name. Keep in sync with the
# find_package() calls in the CMakeLists.txt files and with README.md.
# Boost: libboost1.81-dev on purpose (Asio 1.81 features), not libboost-dev.
# GoogleTest and Google Benchmark are headers and small libraries that the
# release preset's configure step looks for, so they come with the build.
readonly build_packages=(
  build-essential
  cmake
  ninja-build
  pkg-config
  libssl-dev
  libyaml-cpp-dev
  libcli11-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  prometheus-cpp-dev
  libboost1.81-dev
)
# Real peers for the tests only (scripts/test.sh); `--run-only` skips them.
readonly test_packages=(
  # A stock TFTP server must serve what `itlfleet cluster export` writes
  # (tests/app).
  tftpd-hpa
  tftp-hpa
  # Renders report.html to a PNG to check its plots are drawn (tests/report).
  chromium
  # Prometheus export: a real server, promtool and a Pushgateway scrape, check
  # and receive `itlfleet run --metrics/--pushgateway` (tests/deploy).
  prometheus
  prometheus-pushgateway
  # deploy/k8s (tests/deploy): the Kubernetes API schema as python3-kubernetes's
  # models, YAML, and iproute2's `ip netns` for the Job's rehearsal.
  python3-kubernetes
  python3-yaml
  iproute2
  # libFuzzer targets (fuzz/, scripts/fuzz.sh): clang 14 and its libFuzzer.
  clang
  libfuzzer-14-dev
)

readonly presets=(release asan)

usage() {
  cat <<'EOF'
usage: scripts/setup.sh [options]

Install missing build dependencies (Debian apt), then configure and build
itlfleet with a CMake preset.

options:
  --preset NAME      CMake preset to configure and build: release (default) or asan
  --targets T...     build only these targets (all words up to the next --option)
  --run-only         install only what building and running itlfleet needs (not
                     the test peers: TFTP servers, Chromium, Prometheus, clang)
  --deps-only        install dependencies, do not configure or build
  --show-versions    print the installed version of every required package
  -h, --help         this text
EOF
}

die() {
  printf 'setup.sh: error: %s\n' "$*" >&2
  exit 1
}

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
cd -- "$repo_root"

preset=release
targets=()
deps_only=false
run_only=false
show_versions=false
while (($# > 0)); do
  case $1 in
    --preset)
      (($# >= 2)) || die "--preset needs a value (${presets[*]})"
      preset=$2
      shift 2
      ;;
    --preset=*)
      preset=${1#--preset=}
      shift
      ;;
    --targets)
      shift
      while (($# > 0)) && [[ $1 != -* ]]; do
        targets+=("$1")
        shift
      done
      ((${#targets[@]} > 0)) || die "--targets needs at least one target name"
      ;;
    --targets=*)
      IFS=', ' read -r -a more <<<"${1#--targets=}"
      targets+=("${more[@]}")
      shift
      ;;
    --deps-only)
      deps_only=true
      shift
      ;;
    --run-only)
      run_only=true
      shift
      ;;
    --show-versions)
      show_versions=true
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown argument: $1"
      ;;
  esac
done

valid_preset=false
for p in "${presets[@]}"; do
  [[ $preset == "$p" ]] && valid_preset=true
done
$valid_preset || die "unknown preset '$preset' (expected one of: ${presets[*]})"

# --- 1. dependencies --------------------------------------------------------

required_packages=("${build_packages[@]}")
$run_only || required_packages+=("${test_packages[@]}")
# `kubectl kustomize` renders deploy/k8s (tests/deploy). A kubectl already
# on the machine (another package may own the command) is kept; else
# Debian's kubernetes-client: its kubectl 1.20 (kustomize v2.0.3) renders
# deploy/k8s, which uses nothing newer. In CI (CI=true) the deploy/k8s
# tests fail without a kubectl, where elsewhere they skip.
if ! $run_only && ! command -v kubectl >/dev/null 2>&1; then
  required_packages+=(kubernetes-client)
fi

command -v dpkg-query >/dev/null 2>&1 ||
  die "dpkg-query not found: this script installs dependencies on Debian/Ubuntu only.
Install by hand: ${required_packages[*]}"

missing_packages() {
  local pkg status
  for pkg in "${required_packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || printf '%s\n' "$pkg"
  done
}

mapfile -t missing < <(missing_packages)

if ((${#missing[@]} > 0)); then
  echo "setup.sh: missing packages: ${missing[*]}"
  as_root=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      as_root=(sudo)
    else
      die "missing packages: ${missing[*]}
not running as root and sudo is not available. As root, run:
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    fi
  fi

  mkdir -p build
  apt_log=$repo_root/build/setup-apt.log
  : >"$apt_log"
  apt_env=(env DEBIAN_FRONTEND=noninteractive)
  # --force-unsafe-io: dpkg does not fsync every file it unpacks. Most of the
  # install is libboost1.81-dev's headers, thousands of small files; with an
  # fsync each, unpacking took 45 to 67 s of a fresh machine's first run, and
  # 10 to 13 s without (BENCHMARKS.md, "First run on a fresh machine"). The
  # cost: a crash or power loss in the middle of the install can leave files
  # of the packages being unpacked empty; `apt-get install --reinstall` them.
  apt_opts=(-q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-unsafe-io)

  run_apt() {
    echo "+ apt-get $*" >>"$apt_log"
    if ! "${as_root[@]}" "${apt_env[@]}" apt-get "${apt_opts[@]}" "$@" \
      >>"$apt_log" 2>&1 </dev/null; then
      echo "setup.sh: 'apt-get $*' failed; its output ($apt_log):" >&2
      sed 's/^/  | /' "$apt_log" >&2
      die "could not install: ${missing[*]}"
    fi
  }

  echo "setup.sh: apt-get update && apt-get install (log: build/setup-apt.log)"
  run_apt update
  run_apt install -y --no-install-recommends "${missing[@]}"

  mapfile -t still_missing < <(missing_packages)
  if ((${#still_missing[@]} > 0)); then
    sed 's/^/  | /' "$apt_log" >&2
    die "still missing after apt-get install: ${still_missing[*]}"
  fi
  echo "setup.sh: installed ${#missing[@]} package(s); apt log in build/setup-apt.log"
else
  echo "setup.sh: all ${#required_packages[@]} required packages are installed"
fi

if $show_versions; then
  dpkg-query -W -f='  ${Package} ${Version}\n' "${required_packages[@]}"
fi

$deps_only && exit 0

# --- 2. configure and build -------------------------------------------------

jobs=$(nproc 2>/dev/null || echo 2)
echo "setup.sh: configuring preset '$preset'"
cmake --preset "$preset"

build_cmd=(cmake --build --preset "$preset" -j "$jobs")
if ((${#targets[@]} > 0)); then
  build_cmd+=(--target "${targets[@]}")
fi
echo "setup.sh: building preset '$preset' (${targets[*]:-all targets}, -j$jobs)"
"${build_cmd[@]}"
echo "setup.sh: build '$preset' done"
