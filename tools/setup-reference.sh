#!/usr/bin/env bash
# The speed anchor for the side-by-side benchmarks (never used by the tests,
# tools/test.sh, tools/main.sh or .ci/run): a current PyTorch from PyPI, whose
# CPU LSTM runs oneDNN's fused RNN primitive, pinned, in a virtual environment
# outside the repository; beside it Debian's PyTorch 1.13 (python3-torch,
# OpenBLAS), installed by `tools/setup-debian.sh --reference`.
#
#   tools/setup-reference.sh [VENV]      (default ../venv-torch)
#
# PyPI has no CPU-only wheel of torch: the wheel pulls its CUDA libraries, about
# 6 GB in all, so the script first checks for 8 GB free where the venv goes.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-../venv-torch}
version=2.15.0
tools/setup-debian.sh --reference
parent=$(dirname "$(realpath -m "$venv")")
mkdir -p "$parent"
free_kb=$(df -Pk "$parent" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt $((8 * 1024 * 1024)) ]; then
  echo "setup-reference: $parent has $((free_kb / 1024 / 1024)) GB free; torch $version with its CUDA wheels needs about 6 GB (8 GB to be safe)" >&2
  exit 1
fi
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$version')" 2>/dev/null; then
  echo "setup-reference: $venv already holds torch $version"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "torch==$version" numpy
"$venv/bin/python" -c "import torch; print('setup-reference: torch', torch.__version__, 'in $venv; oneDNN:', torch.backends.mkldnn.is_available())"
