"""What the side-by-side benchmarks share: the PyTorch installations and their
thread configurations, the machine description, the models PyTorch runs, and
the statistics.

Two PyTorch installations are compared:
  * 1.13, Debian's python3-torch (its CPU LSTM runs ATen's own cell loop on
    OpenBLAS GEMMs), imported by /usr/bin/python3;
  * 2.15 from PyPI in a virtual environment made by tools/setup-reference.sh
    (its CPU nn.LSTM runs oneDNN's fused RNN primitive, aten::mkldnn_rnn_layer).
Each is tried with 1 and 2 OpenMP (intra-op) threads; 1.13 also with
OPENBLAS_NUM_THREADS 1 and 2. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset
for every side alike. None of this is needed by the tests or the application.
"""
import json
import os
import statistics
import subprocess
import sys

DEBIAN_PYTHON = "/usr/bin/python3"

# The environment that makes every library use AVX2 at most (for measuring the
# AVX2 path on an AVX-512 machine): oneDNN, ATen's kernels and OpenBLAS.
AVX2_ENV = {"ONEDNN_MAX_CPU_ISA": "AVX2", "DNNL_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2",
            "OPENBLAS_CORETYPE": "Haswell"}


def clean_env(isa):
    env = dict(os.environ)
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY", "OMP_PROC_BIND", "OMP_WAIT_POLICY"):
        env.pop(k, None)
    if isa == "avx2":
        env.update(AVX2_ENV)
    return env


def torch_configs(venv):
    """[(side, label, python, env overrides)] for every PyTorch configuration tried."""
    configs = []
    if os.path.exists(DEBIAN_PYTHON) and subprocess.run([DEBIAN_PYTHON, "-c", "import torch"],
                                                        capture_output=True).returncode == 0:
        for omp in (1, 2):
            for ob in (1, 2):
                configs.append(("torch 1.13", f"1.13 omp{omp} blas{ob}", DEBIAN_PYTHON,
                                {"OMP_NUM_THREADS": str(omp), "OPENBLAS_NUM_THREADS": str(ob)}))
    else:
        print("torch_reference: no torch for /usr/bin/python3 (tools/setup-debian.sh --reference); 1.13 left out",
              file=sys.stderr)
    venv_python = os.path.join(venv, "bin", "python")
    if os.path.exists(venv_python):
        for omp in (1, 2):
            configs.append(("torch 2.15", f"2.15 omp{omp}", venv_python, {"OMP_NUM_THREADS": str(omp)}))
    else:
        print(f"torch_reference: no {venv_python} (tools/setup-reference.sh); 2.15 left out", file=sys.stderr)
    return configs


def threads_of(env):
    return int(env.get("OMP_NUM_THREADS", "1"))


def run_child(python, code, args, env):
    out = subprocess.run([python, "-c", code] + [str(a) for a in args], check=True, capture_output=True, text=True,
                         env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_version(python):
    return subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True,
                          text=True).stdout.strip()


def run_cadenza_bench(binary, pattern, threads, isa, min_time=1.0):
    """{benchmark name: (seconds, counters)} and the machine context of one cadenza-bench run."""
    env = clean_env(isa)
    env["OMP_NUM_THREADS"] = str(threads)
    out = subprocess.run([binary, "--benchmark_filter=" + pattern, "--benchmark_format=json",
                          f"--benchmark_min_time={min_time}"], check=True, capture_output=True, text=True,
                         env=env).stdout
    if not out.strip():
        sys.exit(f"{binary} ran no benchmark matching {pattern}")
    doc = json.loads(out)
    result = {}
    for b in doc["benchmarks"]:
        scale = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
        result[b["name"].replace("/real_time", "")] = (b["real_time"] * scale, b)
    return result, doc["context"]


def machine_lines(context, isa):
    return [f"machine: {context.get('cpu', '?')}; SIMD flags: {context.get('simd_flags', '?')}",
            f"FMA peak (measured): {context.get('fma_peak', '?')}",
            f"cadenza-bench compiled for: {context.get('compiled_for', '?')}; oneDNN baseline: "
            f"{context.get('onednn', '?')}",
            "ISA limit for the other libraries: " + (" ".join(f"{k}={v}" for k, v in AVX2_ENV.items())
                                                     if isa == "avx2" else "none (each picks its best)")]


def summary(values):
    """'median [min, max]' of a list of numbers."""
    return statistics.median(values), min(values), max(values)


def fmt_ms(values):
    m, lo, hi = summary([v * 1e3 for v in values])
    return f"{m:.1f} [{lo:.1f}, {hi:.1f}]"


def fmt_ratio(values):
    m, lo, hi = summary(values)
    return f"{m:.2f}x [{lo:.2f}, {hi:.2f}]"


def make_models(torch):
    """Returns (Paper, Stream) classes; torch is passed in so that importing this
    module does not import torch (the parent processes never need it)."""

    class Paper(torch.nn.Module):
        """LSTM(128) -> Dropout(0.3) -> LSTM(128) -> Flatten -> Dense(256) -> Dropout(0.3) -> Dense(V)."""
        def __init__(self, V):
            super().__init__()
            self.l1 = torch.nn.LSTM(1, 128)
            self.l2 = torch.nn.LSTM(128, 128)
            self.d1 = torch.nn.Linear(12800, 256)
            self.d2 = torch.nn.Linear(256, V)
            self.drop = torch.nn.Dropout(0.3)

        def forward(self, x):  # x: [T, B, 1]
            h, _ = self.l1(x)
            h, _ = self.l2(self.drop(h))
            h = h.transpose(0, 1).reshape(x.shape[1], -1)  # Keras's Flatten of [B, T, H]
            return self.d2(self.drop(self.d1(h)))

    class Stream(torch.nn.Module):
        """Embedding(64) -> LSTM(256) -> LSTM(256) -> Dense(V) at every step."""
        def __init__(self, V):
            super().__init__()
            self.e = torch.nn.Embedding(V, 64)
            self.l = torch.nn.LSTM(64, 256, num_layers=2)
            self.d = torch.nn.Linear(256, V)

        def forward(self, ids, state=None):
            h, state = self.l(self.e(ids), state)
            return self.d(h), state

    return Paper, Stream
