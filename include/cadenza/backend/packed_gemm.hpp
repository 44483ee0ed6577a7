// cadenza/backend/packed_gemm.hpp: the CPU's matrix products, C = op(A) . op(B).
//
// One register-blocked micro-kernel serves every product of the CPU backend.
// The right operand is packed into panels of `width` columns (two SIMD
// vectors), stored k-major and zero-padded:
//
//   panels[p][k][j] = op(B)[k][p * width + j]      p < ceil(N / width), j < width
//
// and the kernel walks C in tiles of `rows` x `width`: the tile's accumulators
// stay in registers across the whole K loop, each step loading one row of the
// panel (two vectors) and broadcasting one element of A per row. The tile
// height follows the ISA (docs/benchmarks.md has the measurements):
//   AVX-512: 12 rows x 2 zmm = 24 accumulators of the 32 registers
//   AVX2:     6 rows x 2 ymm = 12 accumulators of the 16 registers
//   SSE:      6 rows x 2 xmm
// enough independent FMA chains to cover the FMA latency on two ports, with
// registers left for the panel row and the broadcast.
//
// Two entry points:
//   multiply   a right-hand side packed once and used for many products
//              (W_ih and W_hh inside an LSTM's time loop)
//   gemm       the general product: op(B) packed per call, a block of K and
//              of N at a time, so a block stays in L2; a transposed A (a
//              weight gradient, dW = dG^T . X over all T*B rows) packed a
//              tile of rows at a time, so the tile reads it contiguously
// Each element of C is summed in the same order (K blocks in order, k in
// order within a block) whatever the number of rows a call covers, so the
// caller can split rows (or columns) across threads and get the same bits.
//
// Written with the GCC/Clang vector extension, so one source serves AVX-512,
// AVX2 and SSE (the vector width follows the target); other compilers get
// scalar loops. Host only: the CUDA backend multiplies with cuBLAS.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cadenza {
namespace packed_gemm {

#if defined(__AVX512F__)
inline constexpr int kVectorBytes = 64;
inline constexpr int kTileRows = 12;
#elif defined(__AVX__)
inline constexpr int kVectorBytes = 32;
inline constexpr int kTileRows = 6;
#else
inline constexpr int kVectorBytes = 16;
inline constexpr int kTileRows = 6;
#endif

// Blocks of the general product: a [kBlockK x kBlockN] block of packed B is
// 512 KB in float, within every L2 of this decade.
inline constexpr int kBlockK = 256;
inline constexpr int kBlockN = 512;

template <class T>
struct Layout {
    static constexpr int vector = kVectorBytes / int(sizeof(T));  // elements per SIMD vector
    static constexpr int width = 2 * vector;                      // columns per panel
    static int panels(int N) { return (N + width - 1) / width; }
    static int64_t size(int K, int N) { return int64_t(panels(N)) * K * width; }
};

// Packs op(B) [K, N] into panels (Layout<T>::size(K, N) elements). B is
// row-major [K, N] with row stride ldb, or, transposed, [N, K].
template <class T>
void pack(bool transposed, int K, int N, const T* B, int ldb, T* panels) {
    constexpr int W = Layout<T>::width;
    for (int p = 0; p < Layout<T>::panels(N); ++p) {
        T* out = panels + int64_t(p) * K * W;
        const int j0 = p * W, cols = N - j0 < W ? N - j0 : W;
        if (!transposed && cols == W) {
            for (int k = 0; k < K; ++k) std::memcpy(out + int64_t(k) * W, B + int64_t(k) * ldb + j0, sizeof(T) * W);
            continue;
        }
        for (int k = 0; k < K; ++k) {
            T* row = out + int64_t(k) * W;
            for (int j = 0; j < cols; ++j)
                row[j] = transposed ? B[int64_t(j0 + j) * ldb + k] : B[int64_t(k) * ldb + j0 + j];
            for (int j = cols; j < W; ++j) row[j] = T(0);
        }
    }
}

#if defined(__GNUC__)
// One SIMD vector; `aligned(alignof(T))` lets it load from any element.
template <class T>
using Vec [[gnu::vector_size(kVectorBytes)]] = T;
template <class T>
using VecU [[gnu::vector_size(kVectorBytes), gnu::aligned(alignof(T))]] = T;

template <class T>
inline Vec<T> load(const T* p) {
    return *reinterpret_cast<const VecU<T>*>(p);
}
template <class T, class V>
inline void store(T* p, V v) {
    *reinterpret_cast<VecU<T>*>(p) = v;
}

// C[R, cols] (+)= A[R, K] . panel[K, width], cols <= width. Row k of the panel
// starts at panel + k * ldp. A's element (r, k) is A[r * lda + k], or
// A[k * lda + r] when A_transposed (A stored [K, R]).
template <int R, bool A_transposed, class T>
[[gnu::always_inline]] inline void tile(int K, const T* A, int lda, const T* panel, int ldp, bool accumulate, T* C,
                                        int ldc, int cols) {
    constexpr int V = Layout<T>::vector, W = Layout<T>::width;
    Vec<T> lo[R], hi[R];
    T edge[W];  // a partial tile goes through here
    for (int r = 0; r < R; ++r) {
        T* c = C + int64_t(r) * ldc;
        if (!accumulate) {
            lo[r] = Vec<T>{};
            hi[r] = Vec<T>{};
        } else if (cols == W) {
            lo[r] = load(c);
            hi[r] = load(c + V);
        } else {
            std::memcpy(edge, c, sizeof(T) * cols);
            std::memset(edge + cols, 0, sizeof(T) * (W - cols));
            std::memcpy(&lo[r], edge, sizeof(lo[r]));
            std::memcpy(&hi[r], edge + V, sizeof(hi[r]));
        }
    }
    for (int k = 0; k < K; ++k) {
        const Vec<T> b0 = load(panel + int64_t(k) * ldp);
        const Vec<T> b1 = load(panel + int64_t(k) * ldp + V);
        for (int r = 0; r < R; ++r) {
            const T a = A_transposed ? A[int64_t(k) * lda + r] : A[int64_t(r) * lda + k];
            lo[r] += a * b0;
            hi[r] += a * b1;
        }
    }
    for (int r = 0; r < R; ++r) {
        T* c = C + int64_t(r) * ldc;
        if (cols == W) {
            store(c, lo[r]);
            store(c + V, hi[r]);
        } else {
            std::memcpy(edge, &lo[r], sizeof(lo[r]));
            std::memcpy(edge + V, &hi[r], sizeof(hi[r]));
            std::memcpy(c, edge, sizeof(T) * cols);
        }
    }
}

// Rows left over after the full tiles: a tile of exactly that many rows.
template <bool A_transposed, class T, int R = kTileRows - 1>
inline void tail_tile(int rows, int K, const T* A, int lda, const T* panel, int ldp, bool accumulate, T* C, int ldc,
                      int cols) {
    if constexpr (R >= 1) {
        if (rows == R) tile<R, A_transposed>(K, A, lda, panel, ldp, accumulate, C, ldc, cols);
        else tail_tile<A_transposed, T, R - 1>(rows, K, A, lda, panel, ldp, accumulate, C, ldc, cols);
    }
}

// All rows of C[M, cols] against one panel: full tiles, then the rest.
template <bool A_transposed, class T>
inline void rows_against_panel(int M, int K, const T* A, int lda, const T* panel, int ldp, bool accumulate, T* C,
                               int ldc, int cols) {
    // Row r of C starts at A + r (A transposed: a column) or A + r * lda.
    const int64_t a_row = A_transposed ? 1 : lda;
    int r = 0;
    for (; r + kTileRows <= M; r += kTileRows)
        tile<kTileRows, A_transposed>(K, A + r * a_row, lda, panel, ldp, accumulate, C + int64_t(r) * ldc, ldc, cols);
    if (r < M)
        tail_tile<A_transposed>(M - r, K, A + r * a_row, lda, panel, ldp, accumulate, C + int64_t(r) * ldc, ldc,
                                cols);
}
#endif

// Packed right-hand sides up to this size stay in L2 across a pass over the
// rows; larger ones are walked a panel at a time (each panel then stays in L2
// while every tile of rows passes it).
inline constexpr int64_t kL2Bytes = int64_t(1) << 20;

// A recurrent step's rows [0, n) for f(first_row, rows): a tile of kTileRows
// at a time, so that a tile's products and its gate math meet in L1; or all
// at once when the step's packed weights (panel_bytes) outgrow L2, so that
// each product walks its panels once per step (lstm_steps.hpp, gru_steps.hpp).
template <class F>
inline void for_each_row_tile(int n, int64_t panel_bytes, F&& f) {
    const int tile = panel_bytes > kL2Bytes ? n : kTileRows;
    for (int r0 = 0; r0 < n; r0 += tile) f(r0, n - r0 < tile ? n - r0 : tile);
}

// C[M, N] = A[M, K] . op(B)[K, N], plus C when accumulate; op(B) as packed.
template <class T>
void multiply(int M, int N, int K, const T* A, int lda, const T* panels, bool accumulate, T* C, int ldc) {
    constexpr int W = Layout<T>::width;
#if defined(__GNUC__)
    if (Layout<T>::size(K, N) * int64_t(sizeof(T)) > kL2Bytes) {
        for (int p = 0; p < Layout<T>::panels(N); ++p) {
            const int j0 = p * W, cols = N - j0 < W ? N - j0 : W;
            rows_against_panel<false>(M, K, A, lda, panels + int64_t(p) * K * W, W, accumulate, C + j0, ldc, cols);
        }
        return;
    }
    // Tiles of rows outside, panels inside: a tile's rows of A stay in L1.
    for (int r = 0; r < M; r += kTileRows) {
        const int rows = M - r < kTileRows ? M - r : kTileRows;
        for (int p = 0; p < Layout<T>::panels(N); ++p) {
            const int j0 = p * W, cols = N - j0 < W ? N - j0 : W;
            rows_against_panel<false>(rows, K, A + int64_t(r) * lda, lda, panels + int64_t(p) * K * W, W,
                                      accumulate, C + int64_t(r) * ldc + j0, ldc, cols);
        }
    }
#else
    for (int p = 0; p < Layout<T>::panels(N); ++p) {
        const T* panel = panels + int64_t(p) * K * W;
        const int j0 = p * W, cols = N - j0 < W ? N - j0 : W;
        for (int r = 0; r < M; ++r)
            for (int j = 0; j < cols; ++j) {
                T s = accumulate ? C[int64_t(r) * ldc + j0 + j] : T(0);
                for (int k = 0; k < K; ++k) s += A[int64_t(r) * lda + k] * panel[int64_t(k) * W + j];
                C[int64_t(r) * ldc + j0 + j] = s;
            }
    }
#endif
}

// Packs rows [r, r + rows) of op(A) over k in [0, kn), A stored [K, M]
// (transposed, row stride lda), k-major: out[k * kTileRows + i] = A[k][r + i].
// The tile then reads one contiguous run per k instead of one page per k.
template <class T>
void pack_transposed_rows(int rows, int kn, const T* A, int lda, T* out) {
    if (rows == kTileRows)  // a copy of known size: a few vector moves per k
        for (int k = 0; k < kn; ++k) std::memcpy(out + int64_t(k) * kTileRows, A + int64_t(k) * lda, sizeof(T) * kTileRows);
    else
        for (int k = 0; k < kn; ++k) std::memcpy(out + int64_t(k) * kTileRows, A + int64_t(k) * lda, sizeof(T) * rows);
}

// C[m0:m1, n0:n1] = op(A) . op(B) over that block, plus C when accumulate.
// A is row-major [M, K] (lda), or [K, M] when ta; B is [K, N] (ldb), or
// [N, K] when tb. op(B) is packed here a [kBlockK x kBlockN] block at a time
// into `scratch` (resized as needed; one per thread); a transposed A is
// packed a tile of rows at a time. Rows [m0, m1) of C are computed in the
// order of the whole product's blocks of K: the same bits for any split of
// rows or columns.
template <class T>
void gemm(bool ta, bool tb, int m0, int m1, int n0, int n1, int K, const T* A, int lda, const T* B, int ldb,
          bool accumulate, T* C, int ldc, std::vector<T>& scratch) {
    constexpr int W = Layout<T>::width;
    if (m1 <= m0 || n1 <= n0) return;
    if (K <= 0) {
        if (!accumulate)
            for (int r = m0; r < m1; ++r) std::memset(C + int64_t(r) * ldc + n0, 0, sizeof(T) * size_t(n1 - n0));
        return;
    }
    const int64_t b_size = Layout<T>::size(kBlockK, kBlockN);
    scratch.resize(size_t(b_size + int64_t(kBlockK) * kTileRows));
    T* const a_tile = scratch.data() + b_size;
    for (int nb = n0; nb < n1; nb += kBlockN) {
        const int nn = std::min(kBlockN, n1 - nb);
        for (int kb = 0; kb < K; kb += kBlockK) {
            const int kn = std::min(kBlockK, K - kb);
            const T* b = tb ? B + int64_t(nb) * ldb + kb : B + int64_t(kb) * ldb + nb;
            pack(tb, kn, nn, b, ldb, scratch.data());
            const bool acc = accumulate || kb > 0;
#if defined(__GNUC__)
            for (int r = m0; r < m1; r += kTileRows) {
                const int rows = std::min(kTileRows, m1 - r);
                if (ta) pack_transposed_rows(rows, kn, A + int64_t(kb) * lda + r, lda, a_tile);
                for (int p = 0; p < Layout<T>::panels(nn); ++p) {
                    const int j0 = p * W, cols = std::min(W, nn - j0);
                    T* c = C + int64_t(r) * ldc + nb + j0;
                    const T* panel = scratch.data() + int64_t(p) * kn * W;
                    if (ta) rows_against_panel<true>(rows, kn, a_tile, kTileRows, panel, W, acc, c, ldc, cols);
                    else rows_against_panel<false>(rows, kn, A + int64_t(r) * lda + kb, lda, panel, W, acc, c, ldc, cols);
                }
            }
#else
            for (int r = m0; r < m1; ++r)
                for (int j = 0; j < nn; ++j) {
                    const T* panel = scratch.data() + int64_t(j / W) * kn * W;
                    T s = acc ? C[int64_t(r) * ldc + nb + j] : T(0);
                    for (int k = 0; k < kn; ++k) {
                        const T a = ta ? A[int64_t(kb + k) * lda + r] : A[int64_t(r) * lda + kb + k];
                        s += a * panel[int64_t(k) * W + j % W];
                    }
                    C[int64_t(r) * ldc + nb + j] = s;
                }
#endif
        }
    }
}

}  // namespace packed_gemm
}  // namespace cadenza
