#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build (preset "fuzz") for a while each.
#
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [TARGET...]
#
# TARGET is decode, element_string, digital_link, epc, batch, config, ssi_frames,
# mercury_frames, hid_reports or profile (default: all). Each
# target runs for SECONDS on a copy of its seed corpus (tests/fuzz/corpus/<target>) in a
# temporary directory, so the committed corpus is never written to; -max_len per target,
# -timeout=10 (a slower input counts as a failure), leaks detected, UBSan fatal.
# Exit status: 0 when every target ran clean; 1 when any target found a crash, leak,
# timeout, sanitizer report or violated property: its reproducer (under
# BUILD_DIR/fuzz-artifacts/) and the end of its log are printed; 2 on a usage error.
# Reproduce one: BUILD_DIR/tests/fuzz/fuzz_<target> <reproducer>
set -u

usage() {
  echo "usage: $0 BUILD_DIR SECONDS [decode|element_string|digital_link|epc|batch|config|ssi_frames|mercury_frames|hid_reports|profile ...]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
build_dir=$(cd "$1" 2>/dev/null && pwd) || { echo "run_fuzz: no build directory $1" >&2; exit 2; }
seconds=$2
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage
shift 2
here=$(cd "$(dirname "$0")" && pwd)

all_targets=(decode element_string digital_link epc batch config config_downlink ssi_frames mercury_frames hid_reports profile work)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# Longest input worth trying per target: scans and URIs are short, EPCs shorter, payloads
# and config files longer; device byte streams hold a few frames or a few dozen reports.
max_len() {
  case "$1" in
    decode|element_string|digital_link) echo 512 ;;
    epc) echo 128 ;;
    batch|config|config_downlink|profile|hid_reports|work) echo 4096 ;;
    ssi_frames|mercury_frames) echo 2048 ;;
    *) echo "" ;;
  esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/scanedge-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

failed=()
for t in "${targets[@]}"; do
  len=$(max_len "$t")
  exe="$build_dir/tests/fuzz/fuzz_$t"
  [ -n "$len" ] || { echo "run_fuzz: unknown target $t" >&2; exit 2; }
  [ -x "$exe" ] || { echo "run_fuzz: $exe not built (cmake --build --preset fuzz)" >&2; exit 2; }
  [ -d "$here/corpus/$t" ] || { echo "run_fuzz: no seed corpus $here/corpus/$t" >&2; exit 2; }

  corpus="$work/$t"
  mkdir -p "$corpus"
  cp "$here/corpus/$t"/* "$corpus"/
  log="$work/$t.log"
  "$exe" "$corpus" -max_total_time="$seconds" -max_len="$len" -timeout=10 -rss_limit_mb=2048 \
    -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" >"$log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
  if [ $status -eq 0 ] && [ -n "$done_line" ]; then
    printf 'fuzz %-15s clean: %s executions in %ss (%s)\n' "$t" "${execs:-?}" "$seconds" "$done_line"
  else
    failed+=("$t")
    # The report: from the first error line (sanitizer, violated property, libFuzzer's own
    # crash/leak/timeout notice) on; the log's end when there is none.
    first=$(grep -n -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz property violated|==ERROR|ALARM: working on the last Unit|out-of-memory' "$log" | cut -d: -f1)
    echo "fuzz $t FAILED (exit $status); its report:"
    if [ -n "$first" ]; then
      tail -n +"$first" "$log" | head -n 60 | sed 's/^/  | /'
    else
      tail -n 60 "$log" | sed 's/^/  | /'
    fi
    repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ -n "$repro" ]; then
      echo "fuzz $t reproducer: $repro"
      echo "  reproduce: $exe $repro"
    fi
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets clean (${seconds}s each)"
