#!/usr/bin/env bash
# tools/gather_gpu_deps.sh: on a normal (networked, Debian) machine, collect what
# tools/gpu_check.sh needs to build on a GPU machine that has nvcc, CMake and
# PyTorch but none of our Debian packages and no network.
#
#   tools/gather_gpu_deps.sh            # -> .deps/root/usr/... (git ignores .deps/)
#
# Packages: Eigen (headers + CMake config), Catch2 (the tests' framework), Google
# Benchmark (only its CMake config is needed to configure the benchmarks folder;
# the CUDA benchmark does not link it), CLI11 and nlohmann-json (the examples, for
# `cadenza-music --device cuda`). Unpacked with dpkg -x: nothing installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
deps="$root/.deps"
packages=(libeigen3-dev catch2 libbenchmark-dev libbenchmark1 libcli11-dev nlohmann-json3-dev)
mkdir -p "$deps/debs" "$deps/root"
cd "$deps/debs"
# apt-get download needs package lists; refresh them only when asked to.
if [[ "${GATHER_APT_UPDATE:-0}" == 1 ]]; then apt-get update; fi
# The library's runtime name varies across Debian releases (libbenchmark1, 1debian, ...).
bench_runtime=$(apt-cache depends libbenchmark-dev 2>/dev/null | awk '/Depends: libbenchmark[0-9]/ {print $2; exit}')
if [[ -n "$bench_runtime" ]]; then packages[3]="$bench_runtime"; fi
apt-get download "${packages[@]}"
for deb in *.deb; do dpkg -x "$deb" "$deps/root"; done
# Report what the build will find.
for f in usr/share/eigen3/cmake/Eigen3Config.cmake usr/include/catch2/catch.hpp; do
  [[ -e "$deps/root/$f" ]] || { echo "gather_gpu_deps: $f is missing after unpacking" >&2; exit 1; }
done
echo "gathered into $deps/root: ${packages[*]}"
echo "copy the working tree (with .deps/) to the GPU machine and run tools/gpu_check.sh"
