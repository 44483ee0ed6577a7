// cadenza/backend/lstm_steps.hpp: one time step of the LSTM's recurrence on
// the CPU, the product and the gate math fused (docs/bptt.md, eq. 1-13).
//
//   forward_step:   G[t] = x[t] . W_ih^T + h[t-1] . W_hh^T, then kernels::lstm_cell_forward   (eq. 1-6)
//   backward_step:  kernels::lstm_cell_backward, then dh[t-1] = dG[t] . W_hh
//                   and dx[t] = dG[t] . W_ih   (eq. 7-13, 17)
//
// Both work a tile of rows at a time (packed_gemm.hpp's tile height): the
// tile's products and then its gate math (or the other way round), so the
// tile's [rows, 4H] gate block is still in L1 when the second half reads it
// instead of making a second trip through the caches. The forward computes
// each step's input projection itself, so no [T, B, 4H] block of
// projections is written before the loop and read back, step by step, from
// memory (that round trip cost a fifth of the forward; docs/benchmarks.md). The gate math runs as
// long vector loops over all H units of a row, where the transcendental
// functions' latency overlaps. (A tile that ends holding i, f, g, o of the
// same units in registers, with the gate math on those, measured slower: one
// row's 16 units at a time leave the exp/division chains no parallelism;
// docs/benchmarks.md.)
//
// Both compute what the unfused steps compute (the same products in the same
// order, the same kernels), row by row, so a caller may split rows across
// threads and get the same bits.
#pragma once

#include <cstdint>
#include <cstring>

#include "cadenza/backend/packed_gemm.hpp"
#include "cadenza/kernels/lstm_cell.hpp"

namespace cadenza {
namespace lstm_steps {

// The gate math of rows [0, n), each over all H units (eq. 1-6).
template <class T>
inline void gate_math_rows(int n, int H, T* gates, const T* bias, const T* c_prev, T* c, T* h) {
    for (int r = 0; r < n; ++r) {
        T* g = gates + int64_t(r) * 4 * H;
        const int64_t row = int64_t(r) * H;
#pragma omp simd
        for (int j = 0; j < H; ++j) kernels::lstm_cell_forward(j, H, g, bias, c_prev[row + j], c[row + j], h[row + j]);
    }
}

// One forward step for rows [0, n): the input projection x[t] . W_ih^T and
// the recurrent product h[t-1] . W_hh^T into the tile's gate rows, then their
// gate math while the rows are still in L1 (when the panels outgrow L2, each
// product runs over all rows a panel at a time and the gate math follows).
//   x [n, I] (row stride ldx); h_prev, c_prev, c, h [n, H]; bias [4H];
//   gates [n, 4H] out: the activations i, f, g, o; input_panels: W_ih^T
//   [I, 4H] and hidden_panels: W_hh^T [H, 4H], both packed by packed_gemm::pack.
template <class T>
void forward_step(int n, int I, int H, const T* x, int ldx, const T* h_prev, const T* input_panels,
                  const T* hidden_panels, const T* bias, T* gates, const T* c_prev, T* c, T* h) {
    using packed_gemm::multiply;
    const int G = 4 * H;
    const int64_t panel_bytes =
        (packed_gemm::Layout<T>::size(H, G) + packed_gemm::Layout<T>::size(I, G)) * int64_t(sizeof(T));
    packed_gemm::for_each_row_tile(n, panel_bytes, [&](int r0, int rows) {
        T* g = gates + int64_t(r0) * G;
        multiply(rows, G, I, x + int64_t(r0) * ldx, ldx, input_panels, false, g, G);
        multiply(rows, G, H, h_prev + int64_t(r0) * H, H, hidden_panels, true, g, G);
        gate_math_rows(rows, H, g, bias, c_prev + int64_t(r0) * H, c + int64_t(r0) * H, h + int64_t(r0) * H);
    });
}

// One backward step for rows [0, n): the gate math's backward (eq. 7-12),
// then dh[t-1] = dG[t] . W_hh (eq. 13) and, when dx is not null, the input's
// gradient dx[t] = dG[t] . W_ih (eq. 17), a tile of rows at a time while its
// dG rows are in L1.
//   gates [n, 4H] activations; c_prev, c [n, H]; dy [n, H] or null;
//   dh [n, H] in: dh from step t+1, out: dh[t-1]; dc [n, H] in/out;
//   dgates [n, 4H] out; hidden_panels: W_hh [4H, H] and input_panels: W_ih
//   [4H, I], both packed by packed_gemm::pack; dx [n, I] (row stride ldx) out.
template <class T>
void backward_step(int n, int I, int H, const T* gates, const T* c_prev, const T* c, const T* dy, T* dh, T* dc,
                   T* dgates, const T* hidden_panels, const T* input_panels, T* dx, int ldx) {
    const int G = 4 * H;
    // Panels that outgrow L2 are walked once per step over all rows.
    int64_t panel_bytes = packed_gemm::Layout<T>::size(G, H) * int64_t(sizeof(T));
    if (dx) panel_bytes += packed_gemm::Layout<T>::size(G, I) * int64_t(sizeof(T));
    packed_gemm::for_each_row_tile(n, panel_bytes, [&](int r0, int rows) {
        for (int r = r0; r < r0 + rows; ++r) {
            const int64_t row = int64_t(r) * H;
            const T* g = gates + int64_t(r) * G;
            T* dg = dgates + int64_t(r) * G;
            if (dy) {
#pragma omp simd
                for (int j = 0; j < H; ++j)
                    kernels::lstm_cell_backward(j, H, g, c_prev[row + j], c[row + j], dh[row + j] + dy[row + j],
                                                dc[row + j], dg);
            } else {
#pragma omp simd
                for (int j = 0; j < H; ++j)
                    kernels::lstm_cell_backward(j, H, g, c_prev[row + j], c[row + j], dh[row + j], dc[row + j], dg);
            }
        }
        const T* dg = dgates + int64_t(r0) * G;
        packed_gemm::multiply(rows, H, G, dg, G, hidden_panels, false, dh + int64_t(r0) * H, H);
        if (dx) packed_gemm::multiply(rows, I, G, dg, G, input_panels, false, dx + int64_t(r0) * ldx, ldx);
    });
}

}  // namespace lstm_steps
}  // namespace cadenza
