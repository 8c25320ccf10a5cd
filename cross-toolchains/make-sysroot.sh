#!/usr/bin/env bash
# Builds a sysroot for a cross build without touching the machine's dpkg database: resolves the
# given Debian 12 packages of ARCH and their dependencies with a private apt state (its own
# package lists, an empty dpkg status, only ARCH), downloads the .debs and unpacks each with
# `dpkg -x` into SYSROOT. Absolute symlinks inside are rewritten to point inside SYSROOT.
#
#   cross-toolchains/make-sysroot.sh ARCH SYSROOT PKG...
#
# Used for armhf (see install-deps.sh): the sysroot is passed to CMake as CMAKE_SYSROOT and to
# qemu-user as -L. Needs network access to deb.debian.org (Debian's package registry), not root.
# A sysroot made earlier from the same package list is kept (SYSROOT/.packages); remove SYSROOT
# to remake it. Exit status 0 when SYSROOT is complete; non-zero with apt's message otherwise.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 ARCH SYSROOT PKG..." >&2
  exit 2
fi
arch=$1; sysroot=$2; shift 2
pkgs=("$@")
want=$(printf '%s\n' "$arch" "${pkgs[@]}")
if [ -f "$sysroot/.packages" ] && [ "$(cat "$sysroot/.packages")" = "$want" ]; then
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/scanedge-sysroot.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/etc/preferences.d" "$work/etc/apt.conf.d"
touch "$work/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$work/sources.list" <<SOURCES
deb [arch=$arch signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb [arch=$arch signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb [arch=$arch signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
SOURCES
apt_opts=(
  -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
  -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/none"
  -o "Dir::Etc::Preferences=$work/none" -o "Dir::Etc::PreferencesParts=$work/etc/preferences.d"
  -o "Dir::State::Lists=$work/lists" -o "Dir::State::status=$work/status"
  -o "Dir::State::extended_states=$work/extended_states"
  -o "Dir::Cache=$work" -o "Dir::Cache::archives=$work/archives"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
  -o "Acquire::Languages=none" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
  -o "APT::Install-Recommends=false" -o "APT::Get::Assume-Yes=true"
)
# A mirror mid-sync can fail one index (bookworm-security armhf has been seen to); the
# packages then come from bookworm and bookworm-updates, and a missing one fails below.
apt-get "${apt_opts[@]}" update -q || echo "make-sysroot.sh: apt-get update reported errors; resolving with the lists there are" >&2
apt-get "${apt_opts[@]}" install -q --download-only "${pkgs[@]}"

rm -rf "$sysroot"
mkdir -p "$sysroot"
n=0
for deb in "$work"/archives/*.deb; do
  dpkg -x "$deb" "$sysroot"
  n=$((n + 1))
done
# Absolute links (e.g. usr/lib/<triple>/libfoo.so -> /lib/<triple>/libfoo.so.1) would point at
# the host's files: make them relative to their place inside the sysroot.
root=$(cd "$sysroot" && pwd)
find "$root" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
done
printf '%s\n' "$want" > "$sysroot/.packages"
echo "make-sysroot.sh: $sysroot: $n packages of $arch"
