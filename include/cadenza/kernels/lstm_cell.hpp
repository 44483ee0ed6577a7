// cadenza/kernels/lstm_cell.hpp: the LSTM's per-element gate math, forward and backward.
//
// One hidden unit j of one batch row, at one time step. The gate block of a row
// is [i | f | g | o], each H wide (PyTorch's order). These functions are the
// whole arithmetic of the pointwise kernels: the CPU backends loop over them and
// the CUDA kernels call them from one thread per element (docs/bptt.md, eq. 1-6
// forward and 7-13 backward).
#pragma once

#include "cadenza/core/config.hpp"
#include "cadenza/kernels/activations.hpp"

namespace cadenza::kernels {

// Forward, element (row, j).
//   gates: [4H] of this row; in: pre-activations without bias, out: activations
//          i, f, g, o (the cache the backward reads)
//   bias:  [4H]
//   c_prev -> c = f * c_prev + i * g            (eq. 5)
//   h = o * tanh(c)                              (eq. 6)
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE void lstm_cell_forward(int j, int H, T* gates, const T* bias,
                                                         T c_prev, T& c, T& h) {
    T i = kernels::sigmoid(gates[j] + bias[j]);                  // eq. 1
    T f = kernels::sigmoid(gates[H + j] + bias[H + j]);          // eq. 2
    T g = kernels::tanh(gates[2 * H + j] + bias[2 * H + j]);     // eq. 3
    T o = kernels::sigmoid(gates[3 * H + j] + bias[3 * H + j]);  // eq. 4
    gates[j] = i;
    gates[H + j] = f;
    gates[2 * H + j] = g;
    gates[3 * H + j] = o;
    c = f * c_prev + i * g;
    h = o * kernels::tanh(c);
}

// Backward, element (row, j), from the activations the forward saved.
//   gates:  [4H] activations i, f, g, o of this row at step t
//   c_prev, c: the cell state before and after step t
//   dh:     dL/dh_t, all of it (from the layer's output and from step t+1)
//   dc:     in: dL/dc_t arriving from step t+1; out: dL/dc_{t-1}
//   dgates: [4H] out: dL/d(pre-activation) of i, f, g, o
// Derivatives come from saved outputs: sigmoid' = s(1-s), tanh' = 1-y^2.
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE void lstm_cell_backward(int j, int H, const T* gates, T c_prev,
                                                          T c, T dh, T& dc, T* dgates) {
    T i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    T tanh_c = kernels::tanh(c);
    T dc_total = dc + dh * o * (T(1) - tanh_c * tanh_c);  // eq. 8
    dgates[j] = dc_total * g * i * (T(1) - i);            // eq. 9
    dgates[H + j] = dc_total * c_prev * f * (T(1) - f);   // eq. 10
    dgates[2 * H + j] = dc_total * i * (T(1) - g * g);    // eq. 11
    dgates[3 * H + j] = dh * tanh_c * o * (T(1) - o);     // eq. 7
    dc = dc_total * f;                                    // eq. 12
}

}  // namespace cadenza::kernels
