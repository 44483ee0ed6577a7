#!/usr/bin/env bash
# Builds Cadenza and runs every test: unit tests, README's quickstart, every
# header on its own, the installed-package consumer, and the MIDI fuzzer.
#   tools/test.sh                 (FUZZ_SECONDS=60 by default; 0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-debian.sh
build=${BUILD_DIR:-build}
jobs=$(nproc)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"
if [ -x tools/fuzz_midi.sh ] && [ "${FUZZ_SECONDS:-60}" != 0 ]; then
  tools/fuzz_midi.sh "${FUZZ_SECONDS:-60}"
fi
