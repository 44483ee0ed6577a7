#!/usr/bin/env python3
"""Cadenza against oneDNN and PyTorch (1.13 and 2.15) on the same machine, side by side, in one run.

    python3 benchmarks/compare_pytorch.py [--build build] [--venv ../venv-torch] [--repeats 3]
                                          [--only SUBSTRING] [--isa native|avx2]

Cases: the paper model's training step (forward, backward, Adam) at batch 128;
LSTM forward at T=100 B=128 H=128 (inference: Cadenza's forward-only path
against torch.no_grad), and forward+backward and forward at H=128, 256 and
512 (B=64 at 512); the GRU (PyTorch's torch.nn.GRU, the same gate order and
reset-after convention) forward+backward and forward at T=100 B=128 H=128.

Every repeat runs every configuration once, in an order rotated from repeat
to repeat: Cadenza (cadenza-bench) with 1 and 2 OpenMP threads, oneDNN 2.6's
LSTM primitive (in cadenza-bench, when built with libdnnl-dev) with 1 and 2,
Debian's PyTorch 1.13 with 1 and 2 OpenMP threads times 1 and 2 OpenBLAS
threads, PyTorch 2.15 (tools/setup-reference.sh) with 1 and 2 OpenMP threads.
The tables print every configuration (median [min, max] over the repeats), the
best configuration of each side, the ratios (per repeat, PyTorch's time over
ours, each side at its best configuration) and a 1-thread-against-1-thread
table, with the machine (CPU model, SIMD flags, measured FMA peak) above them
and a roofline line (GFLOP/s, % of peak) per case.

--isa avx2 limits oneDNN, ATen and OpenBLAS to AVX2 (ONEDNN_MAX_CPU_ISA=AVX2
ATEN_CPU_CAPABILITY=avx2 OPENBLAS_CORETYPE=Haswell); give it a build of
Cadenza compiled for AVX2 (cmake -DCADENZA_NATIVE=OFF -DCMAKE_CXX_FLAGS=-march=x86-64-v3).
The parent process needs no torch; any python3 runs it.
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import textwrap

import torch_reference as ref

# name, our benchmark, oneDNN's benchmark (or None), torch kind, args, GEMM flops
def lstm_flops(T, B, I, H):
    return 2.0 * T * B * 4 * H * (I + H)


def gru_flops(T, B, I, H):
    return 2.0 * T * B * 3 * H * (I + H)


PAPER_FLOPS = 3 * (lstm_flops(100, 128, 1, 128) + lstm_flops(100, 128, 128, 128) + 2.0 * 128 * 12800 * 256 +
                   2.0 * 128 * 256 * 373)
CASES = [
    ("paper train step B128", "PaperTrainStep/128", None, "paper", (128,), PAPER_FLOPS),
    ("LSTM fwd T100 B128 H128", "LstmForward/100/128/128/128", "OneDnnLstmForward/100/128/128/128", "lstm_f",
     (100, 128, 128, 128), lstm_flops(100, 128, 128, 128)),
    ("LSTM fwd+bwd T100 B128 H128", "LstmForwardBackward/100/128/128/128",
     "OneDnnLstmForwardBackward/100/128/128/128", "lstm_fb", (100, 128, 128, 128), 3 * lstm_flops(100, 128, 128, 128)),
    ("LSTM fwd+bwd T100 B128 H256", "LstmForwardBackward/100/128/256/256",
     "OneDnnLstmForwardBackward/100/128/256/256", "lstm_fb", (100, 128, 256, 256), 3 * lstm_flops(100, 128, 256, 256)),
    ("LSTM fwd+bwd T100 B64 H512", "LstmForwardBackward/100/64/512/512", "OneDnnLstmForwardBackward/100/64/512/512",
     "lstm_fb", (100, 64, 512, 512), 3 * lstm_flops(100, 64, 512, 512)),
    ("LSTM fwd T100 B128 H256", "LstmForward/100/128/256/256", "OneDnnLstmForward/100/128/256/256", "lstm_f",
     (100, 128, 256, 256), lstm_flops(100, 128, 256, 256)),
    ("LSTM fwd T100 B64 H512", "LstmForward/100/64/512/512", "OneDnnLstmForward/100/64/512/512", "lstm_f",
     (100, 64, 512, 512), lstm_flops(100, 64, 512, 512)),
    ("GRU fwd+bwd T100 B128 H128", "GruForwardBackward/100/128/128/128", None, "gru_fb", (100, 128, 128, 128),
     3 * gru_flops(100, 128, 128, 128)),
    ("GRU fwd T100 B128 H128", "GruForward/100/128/128/128", None, "gru_f", (100, 128, 128, 128),
     gru_flops(100, 128, 128, 128)),
]

# One PyTorch configuration: every case, each timed as the median of at least
# 5 calls and at least 1 s after 2 warm-up calls. Prints {case: seconds}.
TORCH_CHILD = textwrap.dedent(r'''
    import json, os, sys, time, torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(0)
    sys.path.insert(0, sys.argv[1])
    cases = json.loads(sys.argv[2])
    from torch_reference import make_models
    Paper, _ = make_models(torch)

    def timeit(fn):
        fn(); fn()
        ts = []; start = time.perf_counter()
        while len(ts) < 5 or time.perf_counter() - start < 1.0:
            t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
        ts.sort()
        return ts[len(ts) // 2]

    out = {}
    for name, kind, args in cases:
        if kind == "paper":
            B, = args; T, V = 100, 373
            m = Paper(V); opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
            x = torch.rand(T, B, 1); y = torch.randint(0, V, (B,))
            def fn():
                opt.zero_grad(); torch.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
        else:
            T, B, I, H = args
            cell = torch.nn.GRU if kind.startswith("gru") else torch.nn.LSTM
            lstm = cell(I, H); x = torch.rand(T, B, I, requires_grad=True); R = torch.rand(T, B, H)
            if kind.endswith("_fb"):
                def fn():
                    lstm.zero_grad(); y, _ = lstm(x); y.backward(R)
            else:
                def fn():
                    with torch.no_grad(): lstm(x)
        out[name] = timeit(fn)
    print(json.dumps(out))
''')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--venv", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                   "venv-torch"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="", help="substring filter on case names")
    ap.add_argument("--isa", choices=("native", "avx2"), default="native")
    ap.add_argument("--min-time", type=float, default=1.0, help="Google Benchmark's --benchmark_min_time, seconds")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    binary = os.path.join(a.build, "bin", "cadenza-bench")
    cases = [c for c in CASES if a.only in c[0]]
    if not cases:
        sys.exit(f"compare_pytorch: no case matches --only {a.only!r}")
    ours_names = [c[1] for c in cases] + [c[2] for c in cases if c[2]]
    pattern = "^(" + "|".join(ours_names) + ")(/real_time)?$"

    # configurations: (side, label, runner)
    configs = []
    for t in (1, 2):
        configs.append(("cadenza", f"cadenza t{t}", ("bench", t)))
    torch_cfgs = ref.torch_configs(os.path.abspath(a.venv))
    for side, label, python, env in torch_cfgs:
        configs.append((side, label, ("torch", python, env)))
    times = {}        # (label, case) -> [seconds per repeat]
    counters = {}     # (label, case) -> last Google Benchmark record
    contexts = {}     # threads -> cadenza-bench's machine context
    for rep in range(a.repeats):
        order = configs[rep % len(configs):] + configs[:rep % len(configs)]
        for side, label, runner in order:
            if runner[0] == "bench":
                res, contexts[runner[1]] = ref.run_cadenza_bench(binary, pattern, runner[1], a.isa, a.min_time)
                for name, ours, dnnl, *_ in cases:
                    times.setdefault((label, name), []).append(res[ours][0])
                    counters[(label, name)] = res[ours][1]
                    if dnnl and dnnl in res:
                        times.setdefault((f"onednn2.6 t{runner[1]}", name), []).append(res[dnnl][0])
            else:
                env = ref.clean_env(a.isa)
                env.update(runner[2])
                res = ref.run_child(runner[1], TORCH_CHILD,
                                    [here, json.dumps([(c[0], c[3], c[4]) for c in cases])], env)
                for name in res:
                    times.setdefault((label, name), []).append(res[name])
        print(f"repeat {rep + 1}/{a.repeats} done", file=sys.stderr)

    labels = []
    for key in times:
        if key[0] not in labels:
            labels.append(key[0])
    side_of = lambda label: ("cadenza" if label.startswith("cadenza") else "onednn 2.6" if label.startswith("onednn")
                             else "torch 1.13" if label.startswith("1.13") else "torch 2.15")
    print(f"# compare_pytorch.py, {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, {a.repeats} repeats, "
          f"--isa {a.isa}, build {a.build}")
    context = contexts[max(contexts)]
    for line in ref.machine_lines(context, a.isa):
        print("# " + line)
    for side, label, python, env in torch_cfgs[:1] + [c for c in torch_cfgs if c[0] == "torch 2.15"][:1]:
        print(f"# {side}: torch {ref.torch_version(python)} ({python})")

    print("\n## Every configuration: ms, median [min, max]\n")
    print("| case | " + " | ".join(labels) + " |")
    print("| --- |" + " ---: |" * len(labels))
    for name, *_ in cases:
        print(f"| {name} | " + " | ".join(fmt(times.get((l, name))) for l in labels) + " |")

    def best(side, name, one_thread=False):
        cands = [l for l in labels if side_of(l) == side and (l, name) in times and
                 (not one_thread or l.endswith("t1") or "omp1 blas1" in l or l.endswith("omp1"))]
        if not cands:
            return None
        return min(cands, key=lambda l: statistics.median(times[(l, name)]))

    for title, one in (("Each side at its best configuration", False), ("One thread against one thread", True)):
        print(f"\n## {title}: ms, median [min, max]; ratio = their time / ours per repeat\n")
        sides = ["cadenza", "onednn 2.6", "torch 1.13", "torch 2.15"]
        print("| case | " + " | ".join(sides) + " | vs oneDNN 2.6 | vs torch 1.13 | vs torch 2.15 |")
        print("| --- |" + " ---: |" * (len(sides) + 3))
        for name, *_ in cases:
            picks = {s: best(s, name, one) for s in sides}
            ours = picks["cadenza"]
            cells = [f"{fmt(times[(picks[s], name)])} ({picks[s]})" if picks[s] else "-" for s in sides]
            ratios = []
            for s in sides[1:]:
                if not picks[s] or not ours:
                    ratios.append("-")
                    continue
                r = [t / o for t, o in zip(times[(picks[s], name)], times[(ours, name)])]
                ratios.append(ref.fmt_ratio(r))
            print(f"| {name} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")

    print("\n## Roofline: Cadenza's GEMM flops over its time\n")
    peak1 = float(contexts[1].get("fma_peak_1", "nan"))
    peak_all = float(contexts[max(contexts)].get("fma_peak_all", "nan"))
    print("| case | GFLOP | threads | GFLOP/s (median) | % of FMA peak |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, _, _, _, _, flops in cases:
        for t, peak in ((1, peak1), (2, peak_all)):
            label = f"cadenza t{t}"
            if (label, name) not in times:
                continue
            rate = flops / statistics.median(times[(label, name)]) * 1e-9
            print(f"| {name} | {flops * 1e-9:.2f} | {t} | {rate:.1f} | {100 * rate / peak:.0f}% |")


def fmt(values):
    return ref.fmt_ms(values) if values else "-"


if __name__ == "__main__":
    main()
