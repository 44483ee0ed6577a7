#!/usr/bin/env bash
# Builds Cadenza and runs every test: the fuzzers (FUZZ_SECONDS in all,
# default 90; 0 skips them), then ctest: unit tests, PyTorch golden tests,
# README's quickstart, every header on its own, the installed-package
# consumers, the music application end to end, the report, the robustness
# suite, and the tests that need what this machine may lack (the data set, a
# GPU), which ctest reports as skipped when they cannot run.
#   tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-debian.sh
build=${BUILD_DIR:-build}
jobs=$(nproc)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$jobs"
if [ "${FUZZ_SECONDS:-90}" != 0 ]; then
  FUZZ_WORK="$build/fuzz" tools/fuzz.sh "${FUZZ_SECONDS:-90}" "$build"
fi
ctest --test-dir "$build" --output-on-failure -j "$jobs"
