// cadenza/kernels/gru_cell.hpp: the GRU's per-element gate math, forward and backward.
//
// PyTorch's GRU (torch.nn.GRU), which is Keras's reset_after=True and cuDNN's
// variant: the reset gate multiplies the recurrent projection AFTER W_hn and
// its bias, so the recurrent product of all three gates is one GEMM:
//   r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)            (eq. 18)
//   z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)            (eq. 19)
//   m = h W_hn^T + b_hn                                       (eq. 20)
//   n = tanh(x W_in^T + b_in + r * m)                         (eq. 21)
//   h' = (1 - z) * n + z * h                                  (eq. 22)
// Gate order r, z, n (PyTorch's). One hidden unit j of one batch row at one
// step; the CPU loops and the CUDA kernels call these same functions
// (docs/bptt.md derives eq. 18-32).
#pragma once

#include "cadenza/core/config.hpp"
#include "cadenza/kernels/activations.hpp"

namespace cadenza::kernels {

// Forward, element (row, j).
//   gi:    [3H] of this row: x W_ih^T + b_ih (the input projection, bias included)
//   gates: [4H] of this row; in: [0, 3H) the recurrent product h W_hh^T without
//          bias; out: r, z, n, m (the cache the backward reads)
//   b_hh:  [3H]
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE void gru_cell_forward(int j, int H, const T* gi, T* gates, const T* b_hh,
                                                        T h_prev, T& h) {
    T r = kernels::sigmoid(gi[j] + gates[j] + b_hh[j]);                // eq. 18
    T z = kernels::sigmoid(gi[H + j] + gates[H + j] + b_hh[H + j]);    // eq. 19
    T m = gates[2 * H + j] + b_hh[2 * H + j];                          // eq. 20
    T n = kernels::tanh(gi[2 * H + j] + r * m);                        // eq. 21
    gates[j] = r;
    gates[H + j] = z;
    gates[2 * H + j] = n;
    gates[3 * H + j] = m;
    h = (T(1) - z) * n + z * h_prev;                                   // eq. 22
}

// Backward, element (row, j), from the values the forward saved.
//   gates:  [4H] r, z, n, m of this row at step t
//   h_prev: h_{t-1}
//   dh:     in: dL/dh_t, all of it (the layer's output and step t+1);
//           out: the part of dL/dh_{t-1} that bypasses W_hh, dh * z   (eq. 27)
//   dgi:    [3H] out: dL/d(x W_ih^T + b_ih) of r, z, n
//   dgh:    [3H] out: dL/d(h W_hh^T + b_hh) of r, z, n
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE void gru_cell_backward(int j, int H, const T* gates, T h_prev, T& dh,
                                                         T* dgi, T* dgh) {
    T r = gates[j], z = gates[H + j], n = gates[2 * H + j], m = gates[3 * H + j];
    T dn = dh * (T(1) - z) * (T(1) - n * n);         // eq. 23
    T dz = dh * (h_prev - n) * z * (T(1) - z);       // eq. 24
    T dr = dn * m * r * (T(1) - r);                  // eq. 26
    dgi[j] = dr;
    dgi[H + j] = dz;
    dgi[2 * H + j] = dn;
    dgh[j] = dr;
    dgh[H + j] = dz;
    dgh[2 * H + j] = dn * r;                         // eq. 25
    dh = dh * z;                                     // eq. 27
}

}  // namespace cadenza::kernels
