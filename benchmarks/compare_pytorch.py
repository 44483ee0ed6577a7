#!/usr/bin/env python3
"""Cadenza against PyTorch on the same machine, side by side, in one run.

    /usr/bin/python3 benchmarks/compare_pytorch.py [--build build] [--repeats 5]

Cases: the paper model's training step (forward, backward, Adam) at batch 128,
and LSTM forward+backward and forward at (T=100, B=128, H=128),
(T=100, B=128, H=256), (T=100, B=64, H=512). Each repeat times Cadenza (its
Google Benchmark binary) and then PyTorch (a child process), so both see the same
machine state; the ratio torch/ours is taken per repeat and reported as median
with min and max. Both use 2 cores: Cadenza 2 OpenMP threads; PyTorch its best
configuration here, 1 intra-op thread with 2 OpenBLAS threads, with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS then picks its AVX-512
kernels). Run with Debian's python3 (python3-torch imports only there).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

from torch_reference import best_torch_env

CASES = [
    # name,                  our benchmark,                              torch kind, args
    ("paper train step B=128", "PaperTrainStep/128/real_time", "paper", (128,)),
    ("LSTM fwd+bwd T100 B128 H128", "LstmForwardBackward/100/128/128/128/real_time", "lstm_fb", (100, 128, 128, 128)),
    ("LSTM fwd+bwd T100 B128 H256", "LstmForwardBackward/100/128/256/256/real_time", "lstm_fb", (100, 128, 256, 256)),
    ("LSTM fwd+bwd T100 B64 H512", "LstmForwardBackward/100/64/512/512/real_time", "lstm_fb", (100, 64, 512, 512)),
    ("LSTM fwd T100 B128 H128", "LstmForward/100/128/128/128/real_time", "lstm_f", (100, 128, 128, 128)),
    ("LSTM fwd T100 B128 H256", "LstmForward/100/128/256/256/real_time", "lstm_f", (100, 128, 256, 256)),
    ("LSTM fwd T100 B64 H512", "LstmForward/100/64/512/512/real_time", "lstm_f", (100, 64, 512, 512)),
]

TORCH_CHILD = textwrap.dedent(r'''
    import json, sys, time, torch
    torch.set_num_threads(1)
    kind, args, iters = sys.argv[1], [int(a) for a in sys.argv[2].split(",")], int(sys.argv[3])
    torch.manual_seed(0)

    def timeit(fn):
        fn(); fn()  # warm up
        best = []
        for _ in range(iters):
            t0 = time.perf_counter(); fn(); best.append(time.perf_counter() - t0)
        best.sort()
        return best[len(best) // 2]

    if kind == "paper":
        B, = args; T, V = 100, 373
        sys.path.insert(0, sys.argv[4])
        from torch_reference import make_models
        Paper, _ = make_models(torch)
        m = Paper(V); opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
        x = torch.rand(T, B, 1); y = torch.randint(0, V, (B,))
        def step():
            opt.zero_grad(); torch.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
        print(json.dumps(timeit(step)))
    else:
        T, B, I, H = args
        lstm = torch.nn.LSTM(I, H); x = torch.rand(T, B, I, requires_grad=True); R = torch.rand(T, B, H)
        if kind == "lstm_fb":
            def fb():
                lstm.zero_grad(); y, _ = lstm(x); y.backward(R)
            print(json.dumps(timeit(fb)))
        else:
            def f():
                with torch.no_grad(): lstm(x)
            print(json.dumps(timeit(f)))
''')


def run_ours(binary, names, min_time):
    pattern = "^(" + "|".join(n.replace("/real_time", "") for n in names) + ")/"
    out = subprocess.run([binary, "--benchmark_filter=" + pattern, "--benchmark_format=json",
                          f"--benchmark_min_time={min_time}"],
                         check=True, capture_output=True, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS="2")).stdout
    result = {}
    for b in json.loads(out)["benchmarks"]:
        scale = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
        result[b["name"]] = b["real_time"] * scale
    return result


def run_torch(kind, args, iters):
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", TORCH_CHILD, kind, ",".join(map(str, args)), str(iters), here],
                         check=True, capture_output=True, text=True, env=best_torch_env()).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--iters", type=int, default=5, help="torch timings per repeat (median taken)")
    ap.add_argument("--only", default="", help="substring filter on case names")
    ap.add_argument("--min-time", type=float, default=2.0,
                    help="Google Benchmark's --benchmark_min_time for our cases, seconds")
    a = ap.parse_args()
    binary = os.path.join(a.build, "bin", "cadenza-bench")
    cases = [c for c in CASES if a.only in c[0]]
    ratios = {c[0]: [] for c in cases}
    ours_t = {c[0]: [] for c in cases}
    torch_t = {c[0]: [] for c in cases}
    for rep in range(a.repeats):
        ours = run_ours(binary, [c[1] for c in cases], a.min_time)
        for name, ours_name, kind, args in cases:
            t = run_torch(kind, args, a.iters)
            ours_t[name].append(ours[ours_name])
            torch_t[name].append(t)
            ratios[name].append(t / ours[ours_name])
        print(f"repeat {rep + 1}/{a.repeats} done", file=sys.stderr)
    print(f"{'case':32s} {'cadenza ms':>11s} {'pytorch ms':>11s}   speed-up median [min, max]")
    for name, *_ in cases:
        r = ratios[name]
        print(f"{name:32s} {1e3 * statistics.median(ours_t[name]):11.1f} "
              f"{1e3 * statistics.median(torch_t[name]):11.1f}   "
              f"{statistics.median(r):.2f}x [{min(r):.2f}, {max(r):.2f}]")


if __name__ == "__main__":
    main()
