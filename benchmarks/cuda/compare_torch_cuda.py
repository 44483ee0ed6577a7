#!/usr/bin/env python3
"""Cadenza's CUDA backend against PyTorch on the same GPU, in the same run.

    python3 benchmarks/cuda/compare_torch_cuda.py --bench build-gpu/bin/cadenza-cuda-bench [--quick]

Runs cadenza-cuda-bench (its "bench,<case>,<ms>" lines), then the same cases in
PyTorch: nn.LSTM on CUDA is cuDNN's LSTM. Prints one table: our milliseconds,
PyTorch's, and the ratio torch/ours (above 1: we are faster), then the issue's
two targets: LSTM forward+backward at B=128, H=128 no slower than cuDNN, and a
batch-1 step at least 2x faster than cuDNN's per-step call.
Timing: CUDA events, median of repetitions, after warm-up; FP32, TF32 off.
"""
import argparse
import subprocess
import sys
import time


def run_ours(path, quick):
    cmd = [path] + (["--quick"] if quick else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    ours = {}
    for line in out.splitlines():
        if line.startswith("bench,"):
            _, name, ms = line.split(",")
            ours[name] = float(ms)
        elif line.startswith("skipped"):
            print(line)
    return ours


def torch_cases(quick):
    import torch
    import torch.nn as nn

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    reps = 5 if quick else 20
    res = {}

    def timed(fn, reps, warmup=3, per=1):
        for _ in range(warmup):
            fn()
        torch.cuda.synchronize()
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        ms = []
        for _ in range(reps):
            a.record()
            fn()
            b.record()
            b.synchronize()
            ms.append(a.elapsed_time(b) / per)
        ms.sort()
        return ms[len(ms) // 2]

    for T, B, H in [(100, 128, 128), (100, 64, 512)]:
        lstm = nn.LSTM(H, H).to(dev)
        x = torch.randn(T, B, H, device=dev, requires_grad=True)
        dy = torch.randn(T, B, H, device=dev)
        shape = f"T{T}_B{B}_H{H}"
        res[f"lstm_fwd_{shape}"] = timed(lambda: lstm(x), reps)

        def fwdbwd():
            y, _ = lstm(x)
            y.backward(dy)

        res[f"lstm_fwdbwd_{shape}"] = timed(fwdbwd, reps)

    with torch.no_grad():
        for H in (128, 512):
            lstm = nn.LSTM(H, H).to(dev)
            x = torch.randn(1, 1, H, device=dev)
            state = [(torch.zeros(1, 1, H, device=dev), torch.zeros(1, 1, H, device=dev))]

            def steps():
                for _ in range(10):
                    _, state[0] = lstm(x, state[0])

            res[f"lstm_step_B1_H{H}"] = timed(steps, reps * 5, per=10)

        V = 373
        emb, rnn, out = nn.Embedding(V, 64).to(dev), nn.LSTM(64, 256, 2).to(dev), nn.Linear(256, V).to(dev)
        tok = torch.tensor([[5]], device=dev)
        st = [None]

        def token():
            for _ in range(10):
                y, st[0] = rnn(emb(tok), st[0])
                out(y)

        res["stream_token_B1"] = timed(token, reps * 5, per=10)

    # The paper's model: a training step and 500-token generation.
    V, T, B = 373, 100, 128

    class Paper(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1, self.l2 = nn.LSTM(1, 128), nn.LSTM(128, 128)
            self.d1, self.d2 = nn.Linear(T * 128, 256), nn.Linear(256, V)
            self.drop = nn.Dropout(0.3)

        def forward(self, x):  # x [T, B, 1]
            y, _ = self.l1(x)
            y, _ = self.l2(self.drop(y))
            y = y.transpose(0, 1).reshape(x.shape[1], -1)
            return self.d2(self.drop(self.d1(y)))  # Dense(256) is linear, as in ours

    m = Paper().to(dev)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, eps=1e-7)
    x = torch.randint(0, V, (T, B, 1), device=dev).float() / V
    y = torch.randint(0, V, (B,), device=dev)
    lossf = nn.CrossEntropyLoss()

    def train_step():
        opt.zero_grad()
        loss = lossf(m(x), y)
        loss.backward()
        opt.step()
        loss.item()  # ours reads the loss back too

    res["paper_train_step_B128"] = timed(train_step, reps, warmup=2)

    m.eval()
    tokens = 100 if quick else 500
    with torch.no_grad():
        window = torch.arange(T, device=dev).float().reshape(T, 1, 1) / V

        def generate():
            w = window.clone()
            t0 = time.perf_counter()
            for _ in range(tokens):
                nxt = int(m(w).argmax())
                w = torch.cat([w[1:], torch.tensor([[[nxt / V]]], device=dev)])
            return (time.perf_counter() - t0) * 1e3

        generate()
        res[f"paper_generate_{tokens}"] = generate()
    return res, torch.cuda.get_device_name(0)


# (our case, torch's case)
PAIRS = [
    ("lstm_fwd_T100_B128_H128", "lstm_fwd_T100_B128_H128"),
    ("lstm_fwdbwd_T100_B128_H128", "lstm_fwdbwd_T100_B128_H128"),
    ("lstm_fwd_T100_B64_H512", "lstm_fwd_T100_B64_H512"),
    ("lstm_fwdbwd_T100_B64_H512", "lstm_fwdbwd_T100_B64_H512"),
    ("lstm_step_plain_B1_H128", "lstm_step_B1_H128"),
    ("lstm_step_graph_B1_H128", "lstm_step_B1_H128"),
    ("lstm_step_plain_B1_H512", "lstm_step_B1_H512"),
    ("lstm_step_graph_B1_H512", "lstm_step_B1_H512"),
    ("stream_token_plain_B1", "stream_token_B1"),
    ("stream_token_graph_B1", "stream_token_B1"),
    ("paper_train_step_B128", "paper_train_step_B128"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True, help="path to cadenza-cuda-bench")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    ours = run_ours(a.bench, a.quick)
    if not ours:
        print("no results from cadenza-cuda-bench (no device?)")
        return 0
    try:
        theirs, device = torch_cases(a.quick)
    except Exception as e:  # no torch, or no CUDA torch: our numbers alone
        print(f"PyTorch comparison unavailable: {e}")
        theirs, device = {}, "?"
    tokens = 100 if a.quick else 500
    pairs = PAIRS + [(f"paper_generate_{tokens}_plain", f"paper_generate_{tokens}"),
                     (f"paper_generate_{tokens}_graph", f"paper_generate_{tokens}")]
    print(f"\nGPU: {device}")
    print(f"{'case':36} {'cadenza ms':>11} {'torch ms':>10} {'torch/ours':>10}")
    for o, t in pairs:
        mo, mt = ours.get(o), theirs.get(t)
        ratio = f"{mt / mo:10.2f}" if mo and mt else f"{'-':>10}"
        print(f"{o:36} {mo if mo is not None else float('nan'):11.4f} "
              f"{mt if mt is not None else float('nan'):10.4f} {ratio}")
    fb, tfb = ours.get("lstm_fwdbwd_T100_B128_H128"), theirs.get("lstm_fwdbwd_T100_B128_H128")
    st, tst = ours.get("lstm_step_graph_B1_H128"), theirs.get("lstm_step_B1_H128")
    if fb and tfb:
        good = fb <= tfb
        print(f"target fwd+bwd B128 H128 <= cuDNN: {'met' if good else 'NOT met'} ({fb:.3f} vs {tfb:.3f} ms)")
    if st and tst:
        good = tst / st >= 2
        print(f"target batch-1 step >= 2x cuDNN's: {'met' if good else 'NOT met'} ({tst / st:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
