#!/usr/bin/env bash
# Prints the stripped size (bytes) of the device binaries of a build directory, stripped with
# the strip of the architecture they were built for (read from the build's CMakeCache.txt).
# The build's files are not changed (strip writes a temporary copy).
#
#   cross-toolchains/stripped-sizes.sh BUILD_DIR
#
# Exit status 0; 1 if BUILD_DIR has no CMakeCache.txt or a binary is missing.
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
cache=$build/CMakeCache.txt
[ -f "$cache" ] || { echo "stripped-sizes.sh: $cache: not a configured build" >&2; exit 1; }
strip=$(sed -n 's/^CMAKE_STRIP:FILEPATH=//p' "$cache")
[ -n "$strip" ] || strip=strip
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for bin in edge/agent/scanedged edge/ctl/scanedgectl; do
  [ -f "$build/$bin" ] || { echo "stripped-sizes.sh: $build/$bin: not built" >&2; exit 1; }
  "$strip" -o "$tmp" "$build/$bin"
  printf '%-12s %9d bytes stripped (%s)\n' "$(basename "$bin")" "$(stat -c %s "$tmp")" "$(basename "$strip")"
done
