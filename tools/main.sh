#!/usr/bin/env bash
# Cadenza's main job on a fresh Debian 12 machine: install what is needed,
# build, and train the paper's model.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-debian.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target cadenza_synthetic
"$build"/bin/cadenza-synthetic --seconds "${SECONDS_TO_TRAIN:-20}"
