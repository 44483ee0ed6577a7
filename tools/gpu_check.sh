#!/usr/bin/env bash
# tools/gpu_check.sh: on a machine with an NVIDIA GPU, build the CUDA backend,
# run its tests and benchmarks (with cuDNN via PyTorch beside them) and print a
# short report naming the device. Meant to finish within 10 minutes.
#
#   tools/gather_gpu_deps.sh      # beforehand, on a normal machine: fills .deps/
#   tools/gpu_check.sh [--quick]  # on the GPU machine, from the working tree
#
# With GPU_CHECK_TRAIN_CORPUS=FILE (a corpus from `cadenza-music prepare`) it also
# builds cadenza-music and trains on the GPU (`--device cuda`) until
# GPU_CHECK_DEADLINE seconds after the start (default 400), with the extra
# options in GPU_CHECK_TRAIN_ARGS; the run folder is build-gpu/train-run and its
# history.csv and log go to $GPU_CHECK_OUT too. GPU_CHECK_SKIP_BENCH=1 skips
# the benchmarks (to leave the time to training).
#
# Needs nvcc, CMake >= 3.21, a C++17 host compiler; PyTorch with CUDA for the
# comparison (optional). Uses only .deps/root for Eigen, Catch2 and the
# benchmark library's CMake config: no network, no system packages.
# Writes the build to build-gpu/ and the report to build-gpu/gpu_report.txt
# (and to $GPU_CHECK_OUT/gpu_report.txt when that is set).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
quick=""
[[ "${1:-}" == "--quick" ]] && quick="--quick"
build="$root/build-gpu"
deps="$root/.deps/root/usr"
report="$build/gpu_report.txt"
mkdir -p "$build"
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start ))s; }
log() { echo "[gpu_check $(elapsed)] $*"; }

# ---- the tools ----------------------------------------------------------------
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
command -v nvcc >/dev/null || { echo "gpu_check: nvcc not found" >&2; exit 1; }
command -v cmake >/dev/null || { echo "gpu_check: cmake not found" >&2; exit 1; }
[[ -e "$deps/share/eigen3/cmake/Eigen3Config.cmake" ]] ||
  { echo "gpu_check: .deps/ is missing; run tools/gather_gpu_deps.sh on a networked machine first" >&2; exit 1; }

device="unknown"
arch=""
if command -v nvidia-smi >/dev/null 2>&1; then
  device=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)
  cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
  [[ "$cap" =~ ^[0-9]+$ ]] && arch="$cap"
fi
log "device: $device; nvcc $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'); cmake $(cmake --version | head -1 | awk '{print $3}')"

# ---- configure and build ---------------------------------------------------------
# Only the present GPU's architecture (compile time); the default is sm_80 + sm_90.
archflag=()
[[ -n "$arch" ]] && archflag=(-DCMAKE_CUDA_ARCHITECTURES="$arch")
# cuDNN's LSTM as a second baseline and oracle, when the toolkit has its headers.
cudnn=OFF
[[ -e "$(dirname "$(command -v nvcc)")/../include/cudnn.h" ]] && cudnn=ON
jobs=${GPU_CHECK_JOBS:-$(nproc 2>/dev/null || echo 4)}
train_corpus="${GPU_CHECK_TRAIN_CORPUS:-}"
examples=OFF
targets=(cadenza_cuda cadenza_cuda_tests cadenza_cuda_bench)
if [[ -n "$train_corpus" ]]; then
  [[ -e "$deps/share/cmake/CLI11" ]] ||
    { echo "gpu_check: CLI11 is missing from .deps/; rerun tools/gather_gpu_deps.sh" >&2; exit 1; }
  examples=ON
  targets+=(cadenza_music_app)
fi
log "configure"
if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
      -DCADENZA_BUILD_EXAMPLES=$examples -DCADENZA_BUILD_TESTS=ON -DCADENZA_BUILD_BENCHMARKS=ON \
      -DCADENZA_WITH_CUDA=ON -DCADENZA_WITH_CUDNN=$cudnn \
      -DCMAKE_PREFIX_PATH="$deps" -DEigen3_DIR="$deps/share/eigen3/cmake" \
      "${archflag[@]}" > "$build/configure.log" 2>&1; then
  tail -30 "$build/configure.log"; echo "gpu_check: configure failed" >&2; exit 1
fi
log "build (-j$jobs)"
if ! timeout 420 cmake --build "$build" -j"$jobs" --target "${targets[@]}" \
      > "$build/build.log" 2>&1; then
  tail -40 "$build/build.log"; echo "gpu_check: build failed" >&2; exit 1
fi

# ---- tests ------------------------------------------------------------------------
log "tests"
timeout 240 "$build/tests/cuda/cadenza_cuda_tests" > "$build/tests.log" 2>&1
test_rc=$?
cat "$build/tests.log"

# ---- benchmarks ---------------------------------------------------------------------
log "benchmarks"
bench_log="$build/bench.log"
if [[ "${GPU_CHECK_SKIP_BENCH:-0}" == 1 ]]; then
  echo "(benchmarks skipped: GPU_CHECK_SKIP_BENCH=1)" > "$bench_log"
elif python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  timeout 300 python3 "$root/benchmarks/cuda/compare_torch_cuda.py" --bench "$build/bin/cadenza-cuda-bench" $quick \
    > "$bench_log" 2>&1
else
  echo "(PyTorch with CUDA not available: our numbers only)" > "$bench_log"
  timeout 240 "$build/bin/cadenza-cuda-bench" $quick >> "$bench_log" 2>&1
fi
bench_rc=$?

# ---- training on the GPU (optional) ---------------------------------------------------
train_summary=""
if [[ -n "$train_corpus" ]]; then
  left=$(( ${GPU_CHECK_DEADLINE:-400} - ($(date +%s) - start) ))
  log "train on the GPU for at most ${left}s: $train_corpus ${GPU_CHECK_TRAIN_ARGS:-}"
  rm -rf "$build/train-run"
  # shellcheck disable=SC2086  # the extra options are words on purpose
  timeout "$(( left > 10 ? left : 10 ))" "$build/bin/cadenza-music" train "$train_corpus" -o "$build/train-run" \
    --device cuda ${GPU_CHECK_TRAIN_ARGS:-} > "$build/train.log" 2>&1
  train_rc=$?
  epochs=$(( $(wc -l < "$build/train-run/history.csv" 2>/dev/null || echo 1) - 1 ))
  train_summary="training: rc $train_rc (124: stopped at the deadline), $epochs epochs in build-gpu/train-run"
  tail -3 "$build/train.log"
fi

# ---- report -------------------------------------------------------------------------
{
  echo "Cadenza GPU check, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "device: $device (sm_${arch:-default}; cuDNN baseline $cudnn)"
  echo "tests: $([[ $test_rc == 0 ]] && echo passed || echo "FAILED (rc $test_rc)")  ($(grep -c FAILED "$build/tests.log") failed checks)"
  echo "benchmarks: $([[ $bench_rc == 0 ]] && echo ran || echo "FAILED (rc $bench_rc)")"
  [[ -n "$train_summary" ]] && echo "$train_summary"
  echo
  grep -v '^bench,' "$bench_log"
  echo
  echo "total $(elapsed)"
} > "$report"
echo; echo "==== report ===="; cat "$report"
if [[ -n "${GPU_CHECK_OUT:-}" ]]; then
  mkdir -p "$GPU_CHECK_OUT" && cp "$report" "$build"/*.log "$GPU_CHECK_OUT"/ 2>/dev/null
  [[ -e "$build/train-run/history.csv" ]] && cp "$build/train-run/history.csv" "$GPU_CHECK_OUT"/
fi
[[ $test_rc == 0 && $bench_rc == 0 ]]
