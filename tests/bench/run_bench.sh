#!/usr/bin/env bash
# Runs every benchmark of a release build and prints the figures (`make bench`).
#   tests/bench/run_bench.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: run_bench.sh BUILD_DIR}"
echo "== micro benchmarks (Google Benchmark) =="
"$build/tests/bench/bench_micro" --benchmark_min_time=0.5
# Driver families (tests/bench/<family>/ builds bench_<family>).
for b in "$build"/tests/bench/*/bench_*; do
  [[ -f "$b" && -x "$b" ]] || continue  # not CMakeFiles/bench_*.dir
  echo
  echo "== $(basename "$b") =="
  "$b" --benchmark_min_time=0.5
done
echo
echo "== whole-system benchmarks =="
"$build/tests/bench/bench_system"
echo
echo "== MQTT drain, TLS off vs on =="
"$build/tests/bench/bench_tls_drain"
