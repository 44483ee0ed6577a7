// cadenza/backend/gru_steps.hpp: one forward time step of the GRU on the CPU,
// the products and the gate math fused (docs/bptt.md, eq. 18-22).
//
//   forward_step:  Gi[t] = x[t] . W_ih^T + b_ih,  Gh[t] = h[t-1] . W_hh^T,
//                  then kernels::gru_cell_forward            (eq. 18-22)
//
// As lstm_steps.hpp does for the LSTM: a tile of rows at a time, its two
// products and then its gate math while the tile's [rows, 3H] projections and
// [rows, 4H] gate block are still in L1, instead of one GEMM over all T*B rows
// whose [T, B, 3H] projections go out to memory before the loop and come back
// step by step. The backward needs no such step: dGi does not feed the
// recurrence, so dX = dGi . W_ih stays one GEMM after the loop (gru.hpp).
//
// Row by row it computes what the unfused step (Backend::gru_step_forward's
// default, on packed panels) computes, so a caller may split rows across
// threads and get the same bits.
#pragma once

#include <cstdint>

#include "cadenza/backend/packed_gemm.hpp"
#include "cadenza/kernels/gru_cell.hpp"

namespace cadenza {
namespace gru_steps {

// The bias b_ih added to rows [0, n) of gi [n, 3H], then the gate math of
// those rows, each over all H units (eq. 18-22).
template <class T>
inline void gate_math_rows(int n, int H, T* gi, const T* b_ih, T* gates, const T* b_hh, const T* h_prev, T* h) {
    const int G = 3 * H;
    for (int r = 0; r < n; ++r) {
        T* gi_row = gi + int64_t(r) * G;
#pragma omp simd
        for (int c = 0; c < G; ++c) gi_row[c] += b_ih[c];
        T* g = gates + int64_t(r) * 4 * H;
        const int64_t row = int64_t(r) * H;
#pragma omp simd
        for (int j = 0; j < H; ++j) kernels::gru_cell_forward(j, H, gi_row, g, b_hh, h_prev[row + j], h[row + j]);
    }
}

// One forward step for rows [0, n).
//   x [n, I] (row stride ldx); h_prev, h [n, H]; b_ih, b_hh [3H];
//   gi [n, 3H] out: x . W_ih^T + b_ih; gates [n, 4H] out: r, z, n, m;
//   input_panels: W_ih^T [I, 3H] and hidden_panels: W_hh^T [H, 3H], both
//   packed by packed_gemm::pack. When the panels outgrow L2, each product
//   runs over all rows a panel at a time and the gate math follows.
template <class T>
void forward_step(int n, int I, int H, const T* x, int ldx, const T* h_prev, const T* input_panels,
                  const T* hidden_panels, const T* b_ih, const T* b_hh, T* gi, T* gates, T* h) {
    using packed_gemm::multiply;
    const int G = 3 * H;
    const int64_t panel_bytes =
        (packed_gemm::Layout<T>::size(H, G) + packed_gemm::Layout<T>::size(I, G)) * int64_t(sizeof(T));
    packed_gemm::for_each_row_tile(n, panel_bytes, [&](int r0, int rows) {
        T* gi_tile = gi + int64_t(r0) * G;
        T* g = gates + int64_t(r0) * 4 * H;
        multiply(rows, G, I, x + int64_t(r0) * ldx, ldx, input_panels, false, gi_tile, G);
        multiply(rows, G, H, h_prev + int64_t(r0) * H, H, hidden_panels, false, g, 4 * H);
        gate_math_rows(rows, H, gi_tile, b_ih, g, b_hh, h_prev + int64_t(r0) * H, h + int64_t(r0) * H);
    });
}

}  // namespace gru_steps
}  // namespace cadenza
