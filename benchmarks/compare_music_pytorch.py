#!/usr/bin/env python3
"""The music application's speed beside PyTorch doing the same, in one run.

    /usr/bin/python3 benchmarks/compare_music_pytorch.py --paper-ckpt RUN/best.ckpt \
        --stream-ckpt RUN2/best.ckpt [--build build] [--vocab 374] [--repeats 3]

Measures, for Cadenza and for PyTorch (same architectures, same sizes, weights
random for PyTorch since speed does not depend on them):
  * 500 tokens generated the paper's way (batch 1, re-running the 100-token window
    for every token, argmax), in seconds;
  * the stream model's generation speed, tokens per second (one LSTM step per token);
  * one training step of each model at batch 128 (Cadenza: its Google Benchmark
    binary; PyTorch: forward, backward, Adam), from which an epoch's time follows
    as steps x batches (given with --train-batches).
Threads: Cadenza 2; PyTorch 1 intra-op thread with 2 OpenBLAS threads and
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, its best configuration here.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import textwrap

from torch_reference import best_torch_env

TORCH = textwrap.dedent(r'''
    import json, sys, time, torch
    torch.set_num_threads(1)
    kind, V = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(0)
    T = 100
    sys.path.insert(0, sys.argv[3])
    from torch_reference import make_models
    PaperModel, StreamModel = make_models(torch)
    Paper = lambda: PaperModel(V)
    Stream = lambda: StreamModel(V)
    def median_of(fn, n):
        fn(); ts = []
        for _ in range(n):
            t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
        return sorted(ts)[n // 2]
    if kind == "paper_generate":
        m = Paper().eval()
        def gen():
            window = torch.randint(0, V, (T,)).tolist()
            with torch.no_grad():
                for _ in range(500):
                    x = torch.tensor(window, dtype=torch.float32).reshape(T, 1, 1) / V
                    nxt = int(m(x).argmax()); window = window[1:] + [nxt]
        print(json.dumps(median_of(gen, 3)))
    elif kind == "stream_generate":
        m = Stream().eval(); n = 2000
        def gen():
            tok = torch.zeros(1, 1, dtype=torch.long); state = None
            with torch.no_grad():
                for _ in range(n):
                    z, state = m(tok, state); tok = z[-1].argmax(-1).reshape(1, 1)
        print(json.dumps(n / median_of(gen, 3)))
    elif kind == "paper_step":
        m = Paper(); opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
        x = torch.rand(T, 128, 1); y = torch.randint(0, V, (128,))
        def step():
            opt.zero_grad(); torch.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
        print(json.dumps(median_of(step, 5)))
    elif kind == "stream_step":
        m = Stream(); opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
        x = torch.randint(0, V, (T, 128)); y = torch.randint(0, V, (T * 128,))
        def step():
            opt.zero_grad(); z, _ = m(x)
            torch.nn.functional.cross_entropy(z.reshape(-1, V), y).backward(); opt.step()
        print(json.dumps(median_of(step, 5)))
''')


def torch_run(kind, vocab):
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", TORCH, kind, str(vocab), here], check=True, capture_output=True,
                         text=True, env=best_torch_env()).stdout
    return json.loads(out)


def ours_generate(build, ckpt, length):
    out = subprocess.run([os.path.join(build, "bin", "cadenza-music"), "generate", ckpt, "-o", "/tmp/cadenza_bench.mid",
                          "--length", str(length), "--threads", "2"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"composed (\d+) tokens in ([0-9.]+) s", out)
    return float(m.group(2)), int(m.group(1))


def ours_steps(build):
    out = subprocess.run([os.path.join(build, "bin", "cadenza-bench"), "--benchmark_filter=^(PaperTrainStep|StreamTrainStep)/",
                          "--benchmark_format=json", "--benchmark_min_time=1"], check=True, capture_output=True,
                         text=True, env=dict(os.environ, OMP_NUM_THREADS="2")).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        res[b["name"].split("/")[0]] = b["real_time"] * {"ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--paper-ckpt", required=True)
    ap.add_argument("--stream-ckpt", required=True)
    ap.add_argument("--vocab", type=int, default=374)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--train-batches", type=int, default=0, help="batches per epoch, to turn step times into epoch times")
    a = ap.parse_args()
    rows = {k: ([], []) for k in ("paper_generate", "stream_generate", "paper_step", "stream_step")}
    for rep in range(a.repeats):
        t, _ = ours_generate(a.build, a.paper_ckpt, 500)
        rows["paper_generate"][0].append(t)
        rows["paper_generate"][1].append(torch_run("paper_generate", a.vocab))
        t, n = ours_generate(a.build, a.stream_ckpt, 20000)
        rows["stream_generate"][0].append(n / t)
        rows["stream_generate"][1].append(torch_run("stream_generate", a.vocab))
        steps = ours_steps(a.build)
        rows["paper_step"][0].append(steps["PaperTrainStep"])
        rows["paper_step"][1].append(torch_run("paper_step", a.vocab))
        rows["stream_step"][0].append(steps["StreamTrainStep"])
        rows["stream_step"][1].append(torch_run("stream_step", a.vocab))
        print(f"repeat {rep + 1}/{a.repeats} done", file=sys.stderr)
    med = statistics.median
    def line(name, key, unit, higher_better, scale=1.0):
        ours, theirs = rows[key]
        ratios = [(o / t if higher_better else t / o) for o, t in zip(ours, theirs)]
        print(f"{name:38s} {med(ours) * scale:12.3f} {med(theirs) * scale:12.3f} {unit:10s} "
              f"{med(ratios):.2f}x [{min(ratios):.2f}, {max(ratios):.2f}]")
    print(f"{'measure':38s} {'cadenza':>12s} {'pytorch':>12s} {'unit':10s} advantage median [min, max]")
    line("500 tokens, paper's way (batch 1)", "paper_generate", "s", False)
    line("stream model generation", "stream_generate", "tokens/s", True)
    line("paper model training step, batch 128", "paper_step", "ms", False, 1e3)
    line("stream model training step, batch 128", "stream_step", "ms", False, 1e3)
    if a.train_batches:
        print(f"epoch of {a.train_batches} batches (steps only): paper model cadenza "
              f"{med(rows['paper_step'][0]) * a.train_batches:.1f} s, pytorch {med(rows['paper_step'][1]) * a.train_batches:.1f} s")


if __name__ == "__main__":
    main()
