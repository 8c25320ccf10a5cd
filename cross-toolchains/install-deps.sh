#!/usr/bin/env bash
# Installs what a device cross build needs on a Debian 12 amd64 machine (as root):
# Debian's cross compiler for ARCH, qemu-user (qemu-aarch64, qemu-arm) and ARCH's -dev packages
# of the libraries the agent, scanedgectl and the unit tests link.
#
#   cross-toolchains/install-deps.sh arm64|armhf
#
# Where ARCH's -dev packages go:
#  - arm64: multiarch (dpkg --add-architecture arm64; apt-get install pkg:arm64), next to the
#    host's. Every one the device build needs is "Multi-Arch: same" (or arch:all, header-only),
#    so both architectures' copies live side by side and the native build is untouched.
#    (libpq-dev is not Multi-Arch: same and would conflict with the host's; the device build
#    does not need it: it leaves out the central ledger, SCANEDGE_BUILD_LEDGER=OFF.) Installing
#    pkg:arm64 upgrades the host's copy of a shared dependency (zlib1g, libssl3, ...) to the same
#    Debian version when they differ, as multiarch requires.
#  - armhf: a sysroot, build/sysroot-armhf, of .debs unpacked with dpkg -x (make-sysroot.sh);
#    the machine's dpkg is not told about armhf. Reason: with armhf added as a foreign
#    architecture, `apt-get update` failed on this project's mirror (bookworm-security's armhf
#    index did not match its Release file), and a failing update would break `make deps` of the
#    native build. The preset cross-armhf points CMAKE_SYSROOT at it.
# Exit status: 0 when everything is installed; non-zero (with apt's message) otherwise.
set -euo pipefail

arch=${1:-}
case "$arch" in
  arm64) triple=aarch64-linux-gnu; mode=multiarch ;;
  armhf) triple=arm-linux-gnueabihf; mode=sysroot ;;
  *) echo "usage: $0 arm64|armhf" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
sysroot=$here/../build/sysroot-$arch

# Host tools: the cross compiler, qemu-user (provides /usr/bin/qemu-aarch64 and qemu-arm in
# bookworm; qemu-user-static has only the *-static names), pkg-config.
host_pkgs=(g++-$triple qemu-user pkg-config cmake)
# The target's libraries: the -dev packages of DEB_PACKAGES (Makefile) that the device build
# links, plus libssl-dev (PahoMqttCpp's CMake config looks for OpenSSL) and libfmt-dev (spdlog).
# nlohmann-json3-dev and libcli11-dev are arch:all headers: the host's copy serves every arch.
target_pkgs=(libusb-1.0-0-dev libserialport-dev libzmq3-dev cppzmq-dev libsqlite3-dev
             libpaho-mqtt-dev libpaho-mqttpp-dev libssl-dev libtomlplusplus-dev libspdlog-dev
             libfmt-dev libsystemd-dev libgtest-dev libgmock-dev)
if [ "$mode" = multiarch ]; then
  all_pkgs=("${host_pkgs[@]}" nlohmann-json3-dev libcli11-dev "${target_pkgs[@]/%/:$arch}")
else
  all_pkgs=("${host_pkgs[@]}")
fi

missing=()
for p in "${all_pkgs[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
make_sysroot() {
  if [ "$mode" = sysroot ]; then
    "$here/make-sysroot.sh" "$arch" "$sysroot" "${target_pkgs[@]}" nlohmann-json3-dev libcli11-dev
  fi
}
if [ ${#missing[@]} -eq 0 ]; then
  make_sysroot
  exit 0
fi
echo "cross-toolchains/install-deps.sh: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
  echo "cross-toolchains/install-deps.sh: run as root (or install: ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$mode" = multiarch ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  dpkg --add-architecture "$arch"
fi
# deb.debian.org serves every release architecture; the sources need no change unless they
# restrict Architectures.
# A mirror that is mid-sync can fail one index (seen for bookworm-security armhf); the install
# below then says plainly which package it could not find.
apt-get update -q || echo "cross-toolchains/install-deps.sh: apt-get update reported errors; trying the install with the lists there are" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}"
make_sysroot
