#!/usr/bin/env python3
"""Write the PyTorch golden fixtures the core tests compare against.

Run with Debian's interpreter (python3-torch imports only there):
    /usr/bin/python3 tools/make_golden.py tests/core/fixtures

Fixture format (little-endian), read by tests/core/golden.hpp:
    b"CDZGOLD\\0"  magic
    u32 version    (GOLDEN_VERSION below; the test names this script on a mismatch)
    u32 count      arrays that follow
    per array: u16 name length, name, u8 dtype (0 float64, 1 float32, 2 int32),
               u32 rank, u64 dims[rank], data
One file per (case, dtype): lstm, dense, softmax_xent, adam x {f64, f32}.
"""
import struct
import sys
from pathlib import Path

import torch

GOLDEN_VERSION = 1
DTYPES = {torch.float64: 0, torch.float32: 1, torch.int32: 2}


def write(path, arrays):
    with open(path, "wb") as f:
        f.write(b"CDZGOLD\0")
        f.write(struct.pack("<II", GOLDEN_VERSION, len(arrays)))
        for name, t in arrays.items():
            t = t.detach().contiguous()
            nb = name.encode()
            f.write(struct.pack("<H", len(nb)) + nb)
            f.write(struct.pack("<BI", DTYPES[t.dtype], t.dim()))
            f.write(struct.pack("<%dQ" % t.dim(), *t.shape))
            f.write(t.numpy().tobytes())


def lstm_case(dtype):
    """Two stacked LSTM layers, b_hh held at zero (our single bias is b_ih)."""
    g = torch.Generator().manual_seed(1)
    T, B, I, H = 5, 3, 4, 6
    lstm = torch.nn.LSTM(I, H, num_layers=2).to(dtype)
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            p.copy_(torch.empty(p.shape, dtype=dtype).uniform_(-0.5, 0.5, generator=g))
            if name.startswith("bias_hh"):
                p.zero_()
                p.requires_grad_(False)
    x = torch.empty(T, B, I, dtype=dtype).uniform_(-1, 1, generator=g).requires_grad_()
    h0 = torch.empty(2, B, H, dtype=dtype).uniform_(-0.5, 0.5, generator=g).requires_grad_()
    c0 = torch.empty(2, B, H, dtype=dtype).uniform_(-0.5, 0.5, generator=g).requires_grad_()
    R = torch.empty(T, B, H, dtype=dtype).uniform_(-1, 1, generator=g)
    y, (hn, cn) = lstm(x, (h0, c0))
    (y * R).sum().backward()
    out = {"x": x, "h0": h0, "c0": c0, "R": R, "y": y, "hn": hn, "cn": cn,
           "dx": x.grad, "dh0": h0.grad, "dc0": c0.grad}
    for layer in range(2):
        out[f"W_ih{layer}"] = getattr(lstm, f"weight_ih_l{layer}")
        out[f"W_hh{layer}"] = getattr(lstm, f"weight_hh_l{layer}")
        out[f"b{layer}"] = getattr(lstm, f"bias_ih_l{layer}")
        out[f"dW_ih{layer}"] = getattr(lstm, f"weight_ih_l{layer}").grad
        out[f"dW_hh{layer}"] = getattr(lstm, f"weight_hh_l{layer}").grad
        out[f"db{layer}"] = getattr(lstm, f"bias_ih_l{layer}").grad
    return out


def dense_case(dtype):
    g = torch.Generator().manual_seed(2)
    B, I, O = 4, 7, 5
    lin = torch.nn.Linear(I, O).to(dtype)
    with torch.no_grad():
        lin.weight.uniform_(-0.5, 0.5, generator=g)
        lin.bias.uniform_(-0.5, 0.5, generator=g)
    x = torch.empty(B, I, dtype=dtype).uniform_(-1, 1, generator=g).requires_grad_()
    R = torch.empty(B, O, dtype=dtype).uniform_(-1, 1, generator=g)
    y = lin(x)
    (y * R).sum().backward()
    return {"x": x, "W": lin.weight, "b": lin.bias, "R": R, "y": y, "dx": x.grad,
            "dW": lin.weight.grad, "db": lin.bias.grad}


def softmax_xent_case(dtype):
    g = torch.Generator().manual_seed(3)
    N, V = 6, 11
    z = torch.empty(N, V, dtype=dtype).uniform_(-4, 4, generator=g)
    z[2, 5] = 30.0  # a dominant logit
    z = z.requires_grad_()
    target = torch.tensor([0, 10, 5, 3, 3, 7], dtype=torch.int64)
    loss = torch.nn.functional.cross_entropy(z, target)
    loss.backward()
    return {"logits": z, "targets": target.to(torch.int32), "loss": loss.reshape(1), "dlogits": z.grad}


def adam_case(dtype):
    g = torch.Generator().manual_seed(4)
    n = 37
    p = torch.empty(n, dtype=dtype).uniform_(-1, 1, generator=g)
    p0 = p.clone()
    p = p.requires_grad_()
    opt = torch.optim.Adam([p], lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    grads = torch.empty(5, n, dtype=dtype).uniform_(-1, 1, generator=g)
    grads[:, 3] *= 1e-6  # tiny gradients: eps matters
    for k in range(5):
        opt.zero_grad()
        p.grad = grads[k].clone()
        opt.step()
    return {"p0": p0, "grads": grads, "p5": p.detach().clone()}


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/core/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    for dtype, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
        for name, fn in (("lstm", lstm_case), ("dense", dense_case),
                         ("softmax_xent", softmax_xent_case), ("adam", adam_case)):
            path = out / f"{name}_{tag}.bin"
            write(path, fn(dtype))
            print("wrote", path)


if __name__ == "__main__":
    main()
