#!/usr/bin/env bash
# Installs what Cadenza needs from Debian 12's packages. Idempotent: when every
# package is already installed it does nothing (no apt-get update).
#   tools/setup-debian.sh               build, test and run dependencies
#   tools/setup-debian.sh --reference   also PyTorch and mido, for regenerating
#                                       test fixtures and the side-by-side benchmarks
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libeigen3-dev catch2 libbenchmark-dev libcli11-dev nlohmann-json3-dev
  libomp-dev clang libclang-rt-14-dev   # the MIDI fuzzer (libFuzzer + sanitizers)
  openttd-openmsx                       # the default MIDI corpus of tools/main.sh
  chromium librsvg2-bin                 # report: PNG copies, and CI renders the HTML page
  lilypond fluidsynth fluid-soundfont-gm  # report: sheet music and audio (optional tools)
  libopenmpi-dev openmpi-bin            # cadenza::dist: data-parallel training under mpirun
)
if [ "${1:-}" = "--reference" ]; then
  packages+=(python3-torch python3-mido libopenblas0-pthread  # goldens, PyTorch 1.13 beside us
            libdnnl-dev)                                           # cadenza-bench's oneDNN baseline
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
