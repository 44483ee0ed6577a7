// cadenza/backend/packed_gemm.hpp: C = A . B for a B that stays fixed over many
// products (the recurrent weights inside an LSTM's time loop), on the CPU.
//
// A general GEMM packs both operands on every call. In the time loop the right
// operand is the same W_hh for all T steps, so we pack it once into panels of
// `width` columns (two SIMD vectors), stored k-major and zero-padded:
//
//   panels[p][k][j] = op(B)[k][p * width + j]      p < ceil(N / width), j < width
//
// and the kernel walks C in tiles of `rows` x `width`: the tile's accumulators
// stay in registers across the whole K loop, each step loading one row of the
// panel (two vectors, from L1: a 128 x 32 float panel is 16 KB) and broadcasting
// one element of A per row. That is the classic register-blocked micro-kernel,
// minus the per-call packing, which is what makes the LSTM's many small
// per-step products ([64, 128] x [128, 512]) faster than Eigen's (measured in
// docs/benchmarks.md).
//
// The same register tile also serves the weight gradients' products,
// dW = dG^T . X summed over all T*B rows (multiply_transposed_a below): there K
// is long and the operands are read in place, a block of K at a time.
//
// Written with the GCC/Clang vector extension, so one source serves AVX-512,
// AVX and SSE (the vector width follows the target); other compilers get the
// scalar loop. Host only: the CUDA backend multiplies with cuBLAS.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace cadenza {
namespace packed_gemm {

#if defined(__AVX512F__)
inline constexpr int kVectorBytes = 64;
inline constexpr int kTileRows = 8;  // 8 x 2 accumulators of the 32 zmm registers
#elif defined(__AVX__)
inline constexpr int kVectorBytes = 32;
inline constexpr int kTileRows = 4;  // 4 x 2 of the 16 ymm registers
#else
inline constexpr int kVectorBytes = 16;
inline constexpr int kTileRows = 4;
#endif

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

// C[R, cols] (+)= A[R, K] . panel[K, width], cols <= width. Row k of the panel
// starts at panel + k * ldp. A's element (r, k) is A[r * lda + k], or
// A[k * lda + r] when A_transposed (A stored [K, R]).
template <int R, bool A_transposed, class T>
inline void tile(int K, const T* A, int lda, const T* panel, int ldp, bool accumulate, T* C,
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
            lo[r] = *reinterpret_cast<const VecU<T>*>(c);
            hi[r] = *reinterpret_cast<const VecU<T>*>(c + V);
        } else {
            std::memcpy(edge, c, sizeof(T) * cols);
            std::memset(edge + cols, 0, sizeof(T) * (W - cols));
            std::memcpy(&lo[r], edge, sizeof(lo[r]));
            std::memcpy(&hi[r], edge + V, sizeof(hi[r]));
        }
    }
    for (int k = 0; k < K; ++k) {
        const Vec<T> b0 = *reinterpret_cast<const VecU<T>*>(panel + int64_t(k) * ldp);
        const Vec<T> b1 = *reinterpret_cast<const VecU<T>*>(panel + int64_t(k) * ldp + V);
        for (int r = 0; r < R; ++r) {
            const T a = A_transposed ? A[int64_t(k) * lda + r] : A[int64_t(r) * lda + k];
            lo[r] += a * b0;
            hi[r] += a * b1;
        }
    }
    for (int r = 0; r < R; ++r) {
        T* c = C + int64_t(r) * ldc;
        if (cols == W) {
            *reinterpret_cast<VecU<T>*>(c) = lo[r];
            *reinterpret_cast<VecU<T>*>(c + V) = hi[r];
        } else {
            std::memcpy(edge, &lo[r], sizeof(lo[r]));
            std::memcpy(edge + V, &hi[r], sizeof(hi[r]));
            std::memcpy(c, edge, sizeof(T) * cols);
        }
    }
}

// Rows left over after the full tiles: a tile of exactly that many rows.
template <bool A_transposed, class T, int R = kTileRows - 1>
inline void tail_tile(int rows, int K, const T* A, int lda, const T* panel, int ldp,
                      bool accumulate, T* C, int ldc, int cols) {
    if constexpr (R >= 1) {
        if (rows == R) tile<R, A_transposed>(K, A, lda, panel, ldp, accumulate, C, ldc, cols);
        else tail_tile<A_transposed, T, R - 1>(rows, K, A, lda, panel, ldp, accumulate, C, ldc, cols);
    }
}

// All rows of C[M, cols] against one panel: full tiles, then the rest.
template <bool A_transposed, class T>
inline void rows_against_panel(int M, int K, const T* A, int lda, const T* panel, int ldp,
                               bool accumulate, T* C, int ldc, int cols) {
    // Row r of C starts at A + r (A transposed: a column) or A + r * lda.
    const int64_t a_row = A_transposed ? 1 : lda;
    int r = 0;
    for (; r + kTileRows <= M; r += kTileRows)
        tile<kTileRows, A_transposed>(K, A + r * a_row, lda, panel, ldp, accumulate,
                                      C + int64_t(r) * ldc, ldc, cols);
    if (r < M)
        tail_tile<A_transposed>(M - r, K, A + r * a_row, lda, panel, ldp, accumulate,
                                C + int64_t(r) * ldc, ldc, cols);
}
#endif

// C[M, N] = A[M, K] . op(B)[K, N], plus C when accumulate; op(B) as packed.
template <class T>
void multiply(int M, int N, int K, const T* A, int lda, const T* panels, bool accumulate, T* C,
              int ldc) {
    constexpr int W = Layout<T>::width;
    for (int p = 0; p < Layout<T>::panels(N); ++p) {
        const T* panel = panels + int64_t(p) * K * W;
        const int j0 = p * W, cols = N - j0 < W ? N - j0 : W;
#if defined(__GNUC__)
        rows_against_panel<false>(M, K, A, lda, panel, W, accumulate, C + j0, ldc, cols);
#else
        for (int r = 0; r < M; ++r)
            for (int j = 0; j < cols; ++j) {
                T s = accumulate ? C[int64_t(r) * ldc + j0 + j] : T(0);
                for (int k = 0; k < K; ++k) s += A[int64_t(r) * lda + k] * panel[int64_t(k) * W + j];
                C[int64_t(r) * ldc + j0 + j] = s;
            }
#endif
    }
}

// C[M, N] = A^T . B, plus C when accumulate; A stored [K, M] (row stride lda),
// B stored [K, N] (ldb): a weight gradient dW = dG^T . X over K = T*B rows.
// K is cut into blocks whose rows of A and B stay in L2 (256 floats: 640 KB for
// the LSTM's 512 + 128 columns); within a block each tile of C keeps its
// accumulators in registers and reads B's rows in place, so nothing is packed
// but a last partial panel (zero-padded). The caller splits C's rows across
// threads (pass A + m0, C + m0 * ldc). docs/benchmarks.md compares it with
// OpenBLAS on the LSTM's shapes.
template <class T>
void multiply_transposed_a(int M, int N, int K, const T* A, int lda, const T* B, int ldb,
                           bool accumulate, T* C, int ldc) {
    constexpr int W = Layout<T>::width;
    constexpr int block = 1024 / int(sizeof(T));
    const int full = N / W, edge_cols = N - full * W;
    std::vector<T> edge(edge_cols ? size_t(block) * W : 0);
    if (K <= 0 && !accumulate)  // an empty sum
        for (int r = 0; r < M; ++r) std::memset(C + int64_t(r) * ldc, 0, sizeof(T) * size_t(N));
    for (int k0 = 0; k0 < K; k0 += block) {
        const int kn = K - k0 < block ? K - k0 : block;
        const bool acc = accumulate || k0 > 0;
        const T* a = A + int64_t(k0) * lda;
        const T* b = B + int64_t(k0) * ldb;
        if (edge_cols) pack(false, kn, edge_cols, b + full * W, ldb, edge.data());
#if defined(__GNUC__)
        // Rows of C outside, panels inside: a tile's column of A stays in L1
        // across the panels.
        for (int r = 0; r < M; r += kTileRows) {
            const int rows = M - r < kTileRows ? M - r : kTileRows;
            for (int p = 0; p < full; ++p)
                rows_against_panel<true>(rows, kn, a + r, lda, b + p * W, ldb, acc,
                                         C + int64_t(r) * ldc + p * W, ldc, W);
            if (edge_cols)
                rows_against_panel<true>(rows, kn, a + r, lda, edge.data(), W, acc,
                                         C + int64_t(r) * ldc + full * W, ldc, edge_cols);
        }
#else
        for (int r = 0; r < M; ++r)
            for (int j = 0; j < N; ++j) {
                T s = acc ? C[int64_t(r) * ldc + j] : T(0);
                for (int k = 0; k < kn; ++k) s += a[int64_t(k) * lda + r] * b[int64_t(k) * ldb + j];
                C[int64_t(r) * ldc + j] = s;
            }
#endif
    }
}

}  // namespace packed_gemm
}  // namespace cadenza
