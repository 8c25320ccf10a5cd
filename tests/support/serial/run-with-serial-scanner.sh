#!/usr/bin/env bash
# run-with-serial-scanner.sh: run any command with an emulated serial barcode scanner on
# /dev/ttyUSB0 that plays a umockdev script, so that the real libserialport code path
# (lookup in sysfs, open, configure, read, write) runs without hardware.
#
# Usage:
#   SCANEDGE_SHIM=/path/to/libscanedge_pty_modem_shim.so \
#     tests/support/serial/run-with-serial-scanner.sh [--device FILE.umockdev] SCRIPT -- COMMAND [ARGS...]
#
#   SCRIPT   umockdev script (what the "scanner" sends), one operation per line:
#              r <ms> <data>   after <ms> milliseconds (counted from the previous line),
#                              the scanner sends <data> (the program reads it)
#              w <ms> <data>   the program must write <data> (e.g. a host ACK "^F") before
#                              the script goes on; <ms> is informational
#              # ...           comment
#            <data> escapes: a byte b < 32 is written '^' followed by chr(b + 64):
#              ^M = CR (0x0d), ^J = LF (0x0a), ^] = GS (0x1d), ^F = ACK, ^U = NAK, ^@ = NUL;
#              '^' itself is written "^`". Other bytes are verbatim.
#            Example (a GS1-128 scan with AIM id ]C1 and a GS, then an EAN-13), CR LF ends:
#              r 500 ]C1010950600013435210ABC123^]17270331^M^J
#              r 200 ]E04006381333931^M^J
#   COMMAND  runs inside the umockdev testbed; it (and its children) see /dev/ttyUSB0 and its
#            sysfs entry (a USB FTDI adapter 0403:6001, serial SCANEDGE-EMU-0001).
#   --device another umockdev device description instead of ttyUSB0.umockdev (next to this
#            script); it must describe /dev/ttyUSB0.
#
# Timing: the replay clock starts when umockdev-run starts, not when the port is opened.
#   Bytes sent before the program opens the port wait in the pty and arrive at once on
#   open, so give a leading delay (e.g. "r 2000 ...") when a program needs time to start
#   and you want scans to arrive one by one. After the last line the port stays open and
#   silent.
#
# Environment:
#   SCANEDGE_SHIM (required) the LD_PRELOAD shim built from pty_modem_shim.c (CMake target
#                 scanedge_pty_modem_shim, in <build>/tests/support/serial/). It answers the
#                 modem-control ioctls (TIOCMGET...) that libserialport's sp_open() issues
#                 and that a pty refuses. It is placed before umockdev's own preload library
#                 (umockdev-run appends its library after an existing LD_PRELOAD), which is
#                 the order that works.
# Exit status: the command's, or 2 for a usage/setup error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
device="$here/ttyUSB0.umockdev"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}
die() {
  echo "run-with-serial-scanner.sh: $*" >&2
  exit 2
}

[[ $# -ge 1 && ( "$1" == "-h" || "$1" == "--help" ) ]] && usage
if [[ $# -ge 2 && "$1" == "--device" ]]; then
  device="$2"
  shift 2
fi
[[ $# -ge 3 && "$2" == "--" ]] || usage
script="$1"
shift 2

command -v umockdev-run >/dev/null || die "umockdev-run not found: install the Debian package 'umockdev' (make deps)"
[[ -n "${SCANEDGE_SHIM:-}" ]] ||
  die "SCANEDGE_SHIM is not set: point it at libscanedge_pty_modem_shim.so (build target scanedge_pty_modem_shim, e.g. build/default/tests/support/serial/libscanedge_pty_modem_shim.so)"
[[ -f "$SCANEDGE_SHIM" ]] || die "SCANEDGE_SHIM=$SCANEDGE_SHIM: no such file (build the target scanedge_pty_modem_shim)"
[[ -f "$script" ]] || die "script $script: no such file"
[[ -f "$device" ]] || die "device description $device: no such file"

shim="$(cd "$(dirname "$SCANEDGE_SHIM")" && pwd)/$(basename "$SCANEDGE_SHIM")"
script="$(cd "$(dirname "$script")" && pwd)/$(basename "$script")"

# AddressSanitizer builds want their runtime first in the library list; the preloads come first.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export LD_PRELOAD="$shim${LD_PRELOAD:+:$LD_PRELOAD}"
exec umockdev-run --device "$device" --script "/dev/ttyUSB0=$script" -- "$@"
