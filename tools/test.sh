#!/usr/bin/env bash
# Builds Cadenza and runs every test: the MIDI fuzzer (FUZZ_SECONDS, default 60;
# 0 skips it), then ctest: unit tests, PyTorch golden tests, README's
# quickstart, every header on its own, the installed-package consumer, the music
# application end to end, the report, and the CUDA tests (which skip without a GPU).
#   tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-debian.sh
build=${BUILD_DIR:-build}
jobs=$(nproc)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$jobs"
if [ "${FUZZ_SECONDS:-60}" != 0 ]; then
  FUZZ_WORK="$build/fuzz_midi" tools/fuzz_midi.sh "${FUZZ_SECONDS:-60}"
fi
ctest --test-dir "$build" --output-on-failure -j "$jobs"
