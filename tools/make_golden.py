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
One file per (case, dtype): lstm, gru, gru_small, dense, softmax_xent and the
optimizers (adam, adamw, sgd, sgd_nesterov, rmsprop, rmsprop_centered) x {f64, f32};
schedules.bin holds PyTorch's learning rates under StepLR, CosineAnnealingLR and
ReduceLROnPlateau for a fixed sequence of losses.
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


def gru_case(dtype, T=5, B=3, I=4, H=6, layers=2, seed=5):
    """Stacked GRU layers with both biases (PyTorch's gate order r, z, n)."""
    g = torch.Generator().manual_seed(seed)
    gru = torch.nn.GRU(I, H, num_layers=layers).to(dtype)
    with torch.no_grad():
        for p in gru.parameters():
            p.copy_(torch.empty(p.shape, dtype=dtype).uniform_(-0.5, 0.5, generator=g))
    x = torch.empty(T, B, I, dtype=dtype).uniform_(-1, 1, generator=g).requires_grad_()
    h0 = torch.empty(layers, B, H, dtype=dtype).uniform_(-0.5, 0.5, generator=g).requires_grad_()
    R = torch.empty(T, B, H, dtype=dtype).uniform_(-1, 1, generator=g)
    Rn = torch.empty(layers, B, H, dtype=dtype).uniform_(-1, 1, generator=g)
    y, hn = gru(x, h0)
    ((y * R).sum() + (hn * Rn).sum()).backward()
    out = {"x": x, "h0": h0, "R": R, "Rn": Rn, "y": y, "hn": hn, "dx": x.grad, "dh0": h0.grad}
    for layer in range(layers):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            p = getattr(gru, f"{name}_l{layer}")
            out[f"{name}{layer}"] = p
            out[f"d{name}{layer}"] = p.grad
    return out


def gru_small_case(dtype):
    """One GRU layer reading one feature, batch 2, 9 steps: the paper's input shape."""
    return gru_case(dtype, T=9, B=2, I=1, H=3, layers=1, seed=6)


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
    return optimizer_run(dtype, lambda ps: torch.optim.Adam(ps, lr=1e-3, betas=(0.9, 0.999), eps=1e-7), 4)


def optimizer_run(dtype, make, seed):
    """Five steps of an optimizer on 37 parameters with fixed gradients."""
    g = torch.Generator().manual_seed(seed)
    n = 37
    p = torch.empty(n, dtype=dtype).uniform_(-1, 1, generator=g)
    p0 = p.clone()
    p = p.requires_grad_()
    opt = make([p])
    grads = torch.empty(5, n, dtype=dtype).uniform_(-1, 1, generator=g)
    grads[:, 3] *= 1e-6  # tiny gradients: eps matters
    for k in range(5):
        opt.zero_grad()
        p.grad = grads[k].clone()
        opt.step()
    return {"p0": p0, "grads": grads, "p5": p.detach().clone()}


def adamw_case(dtype):
    return optimizer_run(dtype, lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=0.05), 7)


def sgd_case(dtype):
    return optimizer_run(dtype, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1,
                                                           weight_decay=0.01), 8)


def sgd_nesterov_case(dtype):
    return optimizer_run(dtype, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), 9)


def rmsprop_case(dtype):
    return optimizer_run(dtype, lambda ps: torch.optim.RMSprop(ps, lr=1e-2), 10)


def rmsprop_centered_case(dtype):
    return optimizer_run(dtype, lambda ps: torch.optim.RMSprop(ps, lr=1e-2, alpha=0.9, momentum=0.5,
                                                               centered=True, weight_decay=0.01), 11)


def schedules():
    """Learning rates over 30 epochs under PyTorch's schedulers (lr 0.1)."""
    def rates(make_sched, losses=None):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make_sched(opt)
        out = []
        for e in range(30):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step(losses[e]) if losses is not None else sched.step()
        return torch.tensor(out, dtype=torch.float64)
    # A loss that improves, stalls, improves a little (below the threshold), then improves again.
    losses = [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.69, 0.6,
              0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    return {
        "step": rates(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
        "cosine": rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.001)),
        "plateau_losses": torch.tensor(losses, dtype=torch.float64),
        "plateau": rates(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
            o, factor=0.5, patience=2, threshold=1e-4, cooldown=1, min_lr=0.02), losses),
    }


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/core/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    for dtype, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
        for name, fn in (("lstm", lstm_case), ("gru", gru_case), ("gru_small", gru_small_case),
                         ("dense", dense_case), ("softmax_xent", softmax_xent_case), ("adam", adam_case),
                         ("adamw", adamw_case), ("sgd", sgd_case), ("sgd_nesterov", sgd_nesterov_case),
                         ("rmsprop", rmsprop_case), ("rmsprop_centered", rmsprop_centered_case)):
            path = out / f"{name}_{tag}.bin"
            write(path, fn(dtype))
            print("wrote", path)
    write(out / "schedules.bin", schedules())
    print("wrote", out / "schedules.bin")


if __name__ == "__main__":
    main()
