#!/usr/bin/env bash
# Runs serial_scan_dump under run-with-serial-scanner.sh and checks it printed exactly the
# scans of two_scans.script; also checks the helper's setup errors.
# Args: HELPER SHIM DUMP PROFILE DATADIR
set -euo pipefail
helper="$1" shim="$2" dump="$3" profile="$4" data="$5"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

# Missing SCANEDGE_SHIM is a clear setup error (status 2), not a silent run without the shim.
if env -u SCANEDGE_SHIM bash "$helper" "$data/two_scans.script" -- true 2>"$out"; then
  echo "FAIL: helper ran without SCANEDGE_SHIM"; exit 1
fi
grep -q "SCANEDGE_SHIM is not set" "$out" || { echo "FAIL: unexpected message:"; cat "$out"; exit 1; }

SCANEDGE_SHIM="$shim" bash "$helper" "$data/two_scans.script" -- \
  "$dump" --profile "$profile" --port /dev/ttyUSB0 --count 2 --timeout-ms 10000 >"$out"
if ! diff -u "$data/two_scans.expected" "$out"; then
  echo "FAIL: scans differ from the script"; exit 1
fi
echo "PASS: run-with-serial-scanner.sh delivered exactly the scripted scans"
