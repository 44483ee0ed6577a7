#!/usr/bin/env python3
"""The music application's speed beside PyTorch (1.13 and 2.15) doing the same, in one run.

    python3 benchmarks/compare_music_pytorch.py --paper-ckpt RUN/best.ckpt --stream-ckpt RUN2/best.ckpt \
        [--build build] [--venv ../venv-torch] [--vocab 374] [--repeats 3] [--train-batches N] [--isa native|avx2]

Measures, for Cadenza and for PyTorch (same architectures, same sizes, weights
random for PyTorch since speed does not depend on them):
  * 500 tokens generated the paper's way (batch 1, re-running the 100-token window
    for every token, argmax), in seconds;
  * the stream model's generation speed, tokens per second (one LSTM step per token);
  * one training step of each model at batch 128 (Cadenza: cadenza-bench;
    PyTorch: forward, backward, Adam), from which an epoch's time follows as
    step x batches (given with --train-batches).
Every repeat runs every configuration once, in an order rotated from repeat to
repeat: Cadenza with 1 and 2 threads; Debian's PyTorch 1.13 with 1 and 2
OpenMP threads times 1 and 2 OpenBLAS threads; PyTorch 2.15 (from
tools/setup-reference.sh) with 1 and 2 OpenMP threads. OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE are unset for all. Printed: every configuration, each side at
its best configuration with the ratios per repeat, and one thread against one
thread, under the machine's CPU model, SIMD flags and measured FMA peak.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import textwrap

import torch_reference as ref

MEASURES = [
    # key, label, unit, higher is better
    ("paper_generate", "500 tokens, paper's way (batch 1)", "s", False),
    ("stream_generate", "stream model generation", "tokens/s", True),
    ("paper_step", "paper model training step, batch 128", "ms", False),
    ("stream_step", "stream model training step, batch 128", "ms", False),
]

TORCH = textwrap.dedent(r'''
    import json, os, sys, time, torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    V = int(sys.argv[2])
    torch.manual_seed(0)
    T = 100
    sys.path.insert(0, sys.argv[1])
    from torch_reference import make_models
    PaperModel, StreamModel = make_models(torch)
    def median_of(fn, n):
        fn(); ts = []
        for _ in range(n):
            t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
        return sorted(ts)[n // 2]
    out = {}
    m = PaperModel(V).eval()
    def gen():
        window = torch.randint(0, V, (T,)).tolist()
        with torch.no_grad():
            for _ in range(500):
                x = torch.tensor(window, dtype=torch.float32).reshape(T, 1, 1) / V
                nxt = int(m(x).argmax()); window = window[1:] + [nxt]
    out["paper_generate"] = median_of(gen, 3)
    m = StreamModel(V).eval(); n = 2000
    def sgen():
        tok = torch.zeros(1, 1, dtype=torch.long); state = None
        with torch.no_grad():
            for _ in range(n):
                z, state = m(tok, state); tok = z[-1].argmax(-1).reshape(1, 1)
    out["stream_generate"] = n / median_of(sgen, 3)
    m = PaperModel(V); opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    x = torch.rand(T, 128, 1); y = torch.randint(0, V, (128,))
    def step():
        opt.zero_grad(); torch.nn.functional.cross_entropy(m(x), y).backward(); opt.step()
    out["paper_step"] = median_of(step, 5) * 1e3
    m = StreamModel(V); opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    x = torch.randint(0, V, (T, 128)); y = torch.randint(0, V, (T * 128,))
    def sstep():
        opt.zero_grad(); z, _ = m(x)
        torch.nn.functional.cross_entropy(z.reshape(-1, V), y).backward(); opt.step()
    out["stream_step"] = median_of(sstep, 5) * 1e3
    print(json.dumps(out))
''')


def ours_generate(build, ckpt, length, threads, isa):
    out = subprocess.run([os.path.join(build, "bin", "cadenza-music"), "generate", ckpt, "-o",
                          f"/tmp/cadenza_bench_{os.getpid()}.mid", "--length", str(length), "--threads", str(threads)],
                         check=True, capture_output=True, text=True, env=ref.clean_env(isa)).stdout
    m = re.search(r"composed (\d+) tokens in ([0-9.]+) s", out)
    if not m:
        sys.exit(f"compare_music_pytorch: cadenza-music generate printed no timing:\n{out}")
    return float(m.group(2)), int(m.group(1))


def ours(build, a, threads):
    res = {}
    res["paper_generate"], _ = ours_generate(build, a.paper_ckpt, 500, threads, a.isa)
    t, n = ours_generate(build, a.stream_ckpt, 20000, threads, a.isa)
    res["stream_generate"] = n / t
    steps, context = ref.run_cadenza_bench(os.path.join(build, "bin", "cadenza-bench"),
                                           "^(PaperTrainStep|StreamTrainStep)/", threads, a.isa)
    res["paper_step"] = steps["PaperTrainStep/128"][0] * 1e3
    res["stream_step"] = steps["StreamTrainStep/128"][0] * 1e3
    return res, context


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--venv", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                   "venv-torch"))
    ap.add_argument("--paper-ckpt", required=True)
    ap.add_argument("--stream-ckpt", required=True)
    ap.add_argument("--vocab", type=int, default=374)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--isa", choices=("native", "avx2"), default="native")
    ap.add_argument("--train-batches", type=int, default=0, help="batches per epoch, to turn step times into epoch times")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    configs = [("cadenza", f"cadenza t{t}", t, None) for t in (1, 2)]
    torch_cfgs = ref.torch_configs(os.path.abspath(a.venv))
    configs += [(side, label, python, env) for side, label, python, env in torch_cfgs]
    values = {}  # (label, key) -> [value per repeat]
    contexts = {}
    for rep in range(a.repeats):
        order = configs[rep % len(configs):] + configs[:rep % len(configs)]
        for side, label, runner, env in order:
            if side == "cadenza":
                res, contexts[runner] = ours(a.build, a, runner)
            else:
                child_env = ref.clean_env(a.isa)
                child_env.update(env)
                res = ref.run_child(runner, TORCH, [here, a.vocab], child_env)
            for key, value in res.items():
                values.setdefault((label, key), []).append(value)
        print(f"repeat {rep + 1}/{a.repeats} done", file=sys.stderr)

    labels = [c[1] for c in configs]
    side_of = {c[1]: c[0] for c in configs}
    print(f"# compare_music_pytorch.py, {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, {a.repeats} repeats, "
          f"--isa {a.isa}, build {a.build}")
    for line in ref.machine_lines(contexts[max(contexts)], a.isa):
        print("# " + line)
    fmt = lambda v: "-" if not v else "%.3g [%.3g, %.3g]" % ref.summary(v)
    print("\n## Every configuration: median [min, max]\n")
    print("| measure | unit | " + " | ".join(labels) + " |")
    print("| --- | --- |" + " ---: |" * len(labels))
    for key, name, unit, _ in MEASURES:
        print(f"| {name} | {unit} | " + " | ".join(fmt(values.get((l, key))) for l in labels) + " |")

    def best(side, key, higher, one_thread):
        cands = [l for l in labels if side_of[l] == side and (l, key) in values and
                 (not one_thread or l.endswith("t1") or l.endswith("omp1 blas1") or l.endswith("omp1"))]
        if not cands:
            return None
        pick = max if higher else min
        return pick(cands, key=lambda l: statistics.median(values[(l, key)]))

    for title, one in (("Each side at its best configuration", False), ("One thread against one thread", True)):
        print(f"\n## {title}; advantage per repeat, median [min, max]\n")
        print("| measure | unit | cadenza | torch 1.13 | torch 2.15 | vs 1.13 | vs 2.15 |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for key, name, unit, higher in MEASURES:
            picks = {s: best(s, key, higher, one) for s in ("cadenza", "torch 1.13", "torch 2.15")}
            cells, ratios = [], []
            for s, p in picks.items():
                cells.append(f"{fmt(values[(p, key)])} ({p})" if p else "-")
            for s in ("torch 1.13", "torch 2.15"):
                if not picks[s]:
                    ratios.append("-")
                    continue
                o, t = values[(picks["cadenza"], key)], values[(picks[s], key)]
                r = [(x / y if higher else y / x) for x, y in zip(o, t)]
                ratios.append(ref.fmt_ratio(r))
            print(f"| {name} | {unit} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    if a.train_batches:
        for s in ("cadenza", "torch 1.13", "torch 2.15"):
            p = best(s, "paper_step", False, False)
            if p:
                print(f"\nepoch of {a.train_batches} batches (steps only), {p}: "
                      f"{statistics.median(values[(p, 'paper_step')]) * a.train_batches / 1e3:.1f} s")


if __name__ == "__main__":
    main()
