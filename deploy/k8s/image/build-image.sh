#!/usr/bin/env bash
# The itlfleet container image, from Debian packages only: no registry pull.
#
#   deploy/k8s/image/build-image.sh [--binary PATH] [--out DIR] [--tag NAME] [--no-import]
#
# 1. mmdebstrap (Debian package) builds a bookworm root file system of the
#    minbase variant with the itlfleet binary's run-time libraries, from the
#    host's own apt sources (/etc/apt/sources.list.d/debian.sources, or
#    /etc/apt/sources.list), copies the binary to /usr/local/bin/itlfleet and
#    checks in the new tree that it starts (`itlfleet --version`) and that
#    every library it needs is there (ldd). Output: DIR/itlfleet-rootfs.tar.
# 2. `podman import` (Debian package) makes it the image NAME (default
#    localhost/itlfleet:VERSION), entrypoint itlfleet, user 65534 (nobody),
#    working directory /results. `podman save` or `podman push` takes it to
#    your cluster's registry from there.
#
# Needs root (mmdebstrap's root mode; or run it under `unshare` mode as a
# user with subuids). Exit 2 on bad options, 1 when a step fails (named).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
binary="$repo/build/release/app/itlfleet"
out="$repo/build/image"
tag=""
import=1

die() { echo "build-image.sh: $*" >&2; exit 1; }
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --tag) tag=${2:?--tag needs a name}; shift 2 ;;
    --no-import) import=0; shift ;;
    -h|--help) usage ;;
    *) echo "build-image.sh: unknown option $1" >&2; usage ;;
  esac
done

[[ -x "$binary" ]] || die "no itlfleet binary at $binary (build it: cmake --build build/release --target itlfleet)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"
version=$("$binary" --version | awk '{print $NF}')
[[ -n "$tag" ]] || tag="localhost/itlfleet:$version"

sources=/etc/apt/sources.list.d/debian.sources
[[ -f "$sources" ]] || sources=/etc/apt/sources.list
[[ -f "$sources" ]] || die "no apt sources on this host to build from"

# The binary's run-time libraries, by Debian package (their dependencies
# come along); ca-certificates for a Pushgateway behind HTTPS.
packages=libssl3,libyaml-cpp0.7,libprometheus-cpp-core1.0,libprometheus-cpp-push1.0,libcurl4,ca-certificates

mkdir -p "$out"
# Without its symbols the binary is a fifth of its size.
installed="$out/itlfleet"
if command -v strip >/dev/null; then
  strip -o "$installed" "$binary"
else
  cp "$binary" "$installed"
fi
rootfs="$out/itlfleet-rootfs.tar"
echo "build-image.sh: mmdebstrap bookworm ($packages) -> $rootfs"
mmdebstrap --variant=minbase --mode=root --include="$packages" \
  --customize-hook="copy-in $installed /usr/local/bin" \
  --customize-hook='mkdir -p "$1/results" "$1/scenario" && chown 65534:65534 "$1/results"' \
  --customize-hook='chroot "$1" /usr/local/bin/itlfleet --version' \
  --customize-hook='if chroot "$1" ldd /usr/local/bin/itlfleet | grep "not found"; then exit 1; fi' \
  --customize-hook='rm -rf "$1/var/cache/apt/archives"/*.deb "$1/var/lib/apt/lists"/*' \
  bookworm "$rootfs" "$sources" || die "mmdebstrap failed"
echo "build-image.sh: root file system $(du -h "$rootfs" | cut -f1)"

if [[ $import -eq 1 ]]; then
  command -v podman >/dev/null || die "podman is not installed (apt-get install podman), or use --no-import"
  podman import \
    --change 'ENTRYPOINT ["/usr/local/bin/itlfleet"]' \
    --change 'CMD ["--help"]' \
    --change 'USER 65534:65534' \
    --change 'WORKDIR /results' \
    --change "LABEL org.opencontainers.image.title=itlfleet org.opencontainers.image.version=$version" \
    "$rootfs" "$tag" || die "podman import failed"
  echo "build-image.sh: image $tag"
fi
