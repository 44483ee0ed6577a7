// cadenza/backend/gru_steps.hpp: one time step of the GRU on the CPU, the
// products and the gate math fused (docs/bptt.md, eq. 18-28).
//
//   forward_step:   Gi[t] = x[t] . W_ih^T + b_ih,  Gh[t] = h[t-1] . W_hh^T,
//                   then kernels::gru_cell_forward           (eq. 18-22)
//   backward_step:  kernels::gru_cell_backward, then
//                   dh[t-1] = dh[t] * z + dGh[t] . W_hh      (eq. 23-28)
//
// As lstm_steps.hpp does for the LSTM: a tile of rows at a time, its two
// products and then its gate math while the tile's [rows, 3H] projections and
// [rows, 4H] gate block are still in L1, instead of one GEMM over all T*B rows
// whose [T, B, 3H] projections go out to memory before the loop and come back
// step by step. The backward step keeps a tile's dGh rows in L1 between the
// gate math that writes them and the product that reads them; dGi does not
// feed the recurrence, so dX = dGi . W_ih stays one GEMM after the loop
// (gru.hpp).
//
// Row by row both compute what the unfused steps (Backend::gru_step_forward's
// and gru_step_backward's defaults, on packed panels) compute, so a caller may
// split rows across threads and get the same bits.
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

// One backward step for rows [0, n).
//   gates [n, 4H]: r, z, n, m of step t; h_prev [n, H]; dy [n, H] or null;
//   dh [n, H] in: dL/dh[t] from step t+1, out: dL/dh[t-1];
//   dgi, dgh [n, 3H] out; hidden_panels: W_hh [3H, H] packed by packed_gemm::pack.
template <class T>
void backward_step(int n, int H, const T* gates, const T* h_prev, const T* dy, T* dh, T* dgi, T* dgh,
                   const T* hidden_panels) {
    const int G = 3 * H;
    const int64_t panel_bytes = packed_gemm::Layout<T>::size(G, H) * int64_t(sizeof(T));
    packed_gemm::for_each_row_tile(n, panel_bytes, [&](int r0, int rows) {
        for (int r = r0; r < r0 + rows; ++r) {
            const int64_t row = int64_t(r) * H;
            const T* g = gates + int64_t(r) * 4 * H;
            T* dgi_row = dgi + int64_t(r) * G;
            T* dgh_row = dgh + int64_t(r) * G;
            if (dy) {
#pragma omp simd
                for (int j = 0; j < H; ++j) dh[row + j] += dy[row + j];
            }
#pragma omp simd
            for (int j = 0; j < H; ++j) kernels::gru_cell_backward(j, H, g, h_prev[row + j], dh[row + j], dgi_row, dgh_row);
        }
        // dh[t-1] = dh * z + dGh . W_hh: [rows, 3H] x [3H, H]   (eq. 28)
        packed_gemm::multiply(rows, H, G, dgh + int64_t(r0) * G, G, hidden_panels, true, dh + int64_t(r0) * H, H);
    });
}

}  // namespace gru_steps
}  // namespace cadenza
