// cadenza/backend/host_backend.hpp: host memory and plain scalar loops.
//
// The base of both CPU backends: host allocation and a straightforward,
// single-threaded loop for every operation except GEMM. ReferenceBackend adds a
// textbook GEMM and is the test oracle; EigenBackend replaces GEMM and the hot
// loops with fast ones. Each loop calls the shared per-element kernels.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>

#include "cadenza/backend/backend.hpp"
#include "cadenza/kernels/dropout.hpp"
#include "cadenza/kernels/gru_cell.hpp"
#include "cadenza/kernels/lstm_cell.hpp"
#include "cadenza/kernels/softmax_cross_entropy.hpp"

namespace cadenza {

template <class T>
class HostBackend : public Backend<T> {
public:
    Device device() const override { return Device::host; }

    Tensor<T> zeros(Shape shape) override { return Tensor<T>(shape); }
    void upload(const T* src, T* dst, int64_t n) override { copy(src, dst, n); }
    void download(const T* src, T* dst, int64_t n) override { copy(src, dst, n); }
    void copy(const T* src, T* dst, int64_t n) override {
        if (n > 0 && src != dst) std::memmove(dst, src, static_cast<size_t>(n) * sizeof(T));
    }
    void fill(T* dst, int64_t n, T value) override {
        for (int64_t i = 0; i < n; ++i) dst[i] = value;
    }

    void add_row_vector(T* Y, const T* v, int64_t rows, int64_t cols) override {
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c) Y[r * cols + c] += v[c];
    }
    void accumulate_column_sum(const T* X, int64_t rows, int64_t cols, T* y) override {
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c) y[c] += X[r * cols + c];
    }
    void multiply(const T* x, const T* m, T* y, int64_t n) override {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * m[i];
    }
    void axpy(T alpha, const T* x, T* y, int64_t n) override {
        for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
    }
    void scale(T* x, T alpha, int64_t n) override {
        for (int64_t i = 0; i < n; ++i) x[i] *= alpha;
    }
    double sum_of_squares(const T* x, int64_t n) override {
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(x[i]);
        return s;
    }
    void swap_leading_axes(const T* src, T* dst, int64_t A, int64_t B, int64_t F) override {
        for (int64_t a = 0; a < A; ++a)
            for (int64_t b = 0; b < B; ++b)
                std::memcpy(dst + (b * A + a) * F, src + (a * B + b) * F,
                            static_cast<size_t>(F) * sizeof(T));
    }

    void lstm_forward_pointwise(int B, int H, T* gates, const T* bias, const T* c_prev, T* c,
                                T* h) override {
        for (int b = 0; b < B; ++b)
            for (int j = 0; j < H; ++j) {
                int64_t e = static_cast<int64_t>(b) * H + j;
                kernels::lstm_cell_forward(j, H, gates + static_cast<int64_t>(b) * 4 * H, bias,
                                           c_prev[e], c[e], h[e]);
            }
    }
    void lstm_backward_pointwise(int B, int H, const T* gates, const T* c_prev, const T* c,
                                 const T* dy, const T* dh_next, T* dc, T* dgates) override {
        for (int b = 0; b < B; ++b)
            for (int j = 0; j < H; ++j) {
                int64_t e = static_cast<int64_t>(b) * H + j;
                T dh = dh_next[e] + (dy ? dy[e] : T(0));
                int64_t row = static_cast<int64_t>(b) * 4 * H;
                kernels::lstm_cell_backward(j, H, gates + row, c_prev[e], c[e], dh, dc[e],
                                            dgates + row);
            }
    }

    void gru_forward_pointwise(int B, int H, const T* gi, T* gates, const T* b_hh, const T* h_prev,
                               T* h) override {
        for (int b = 0; b < B; ++b)
            for (int j = 0; j < H; ++j) {
                const int64_t e = int64_t(b) * H + j;
                kernels::gru_cell_forward(j, H, gi + int64_t(b) * 3 * H, gates + int64_t(b) * 4 * H, b_hh, h_prev[e],
                                          h[e]);
            }
    }
    void gru_backward_pointwise(int B, int H, const T* gates, const T* h_prev, const T* dy, T* dh, T* dgi,
                                T* dgh) override {
        for (int b = 0; b < B; ++b)
            for (int j = 0; j < H; ++j) {
                const int64_t e = int64_t(b) * H + j;
                if (dy) dh[e] += dy[e];
                kernels::gru_cell_backward(j, H, gates + int64_t(b) * 4 * H, h_prev[e], dh[e],
                                           dgi + int64_t(b) * 3 * H, dgh + int64_t(b) * 3 * H);
            }
    }

    double softmax_cross_entropy(int64_t rows, int V, const T* logits, const int32_t* targets,
                                 T dloss_per_row, T* dlogits) override {
        double total = 0;
        for (int64_t r = 0; r < rows; ++r)
            total += kernels::softmax_cross_entropy_row(V, logits + r * V, targets[r],
                                                        dloss_per_row,
                                                        dlogits ? dlogits + r * V : nullptr);
        return total;
    }
    int64_t count_top_k(int64_t rows, int V, const T* logits, const int32_t* targets,
                        int k) override {
        int64_t n = 0;
        for (int64_t r = 0; r < rows; ++r) n += kernels::target_in_top_k(V, logits + r * V, targets[r], k);
        return n;
    }
    std::shared_ptr<int32_t> upload_targets(const int32_t* host, int64_t n) override {
        std::shared_ptr<int32_t> p(new int32_t[static_cast<size_t>(n > 0 ? n : 1)],
                                   std::default_delete<int32_t[]>());
        if (n > 0) std::memcpy(p.get(), host, static_cast<size_t>(n) * sizeof(int32_t));
        return p;
    }

    void dropout_mask(T* mask, int64_t n, T p, uint64_t seed, uint64_t step, uint32_t layer,
                      uint64_t first_key = 0) override {
        for (int64_t i = 0; i < n; ++i) mask[i] = dropout_keep_scale(p, seed, step, layer, first_key + uint64_t(i));
    }

    // The same multipliers, four at a time (one Philox call per block): blocks
    // [block_begin, block_end) of mask, whose block 0 is Philox block key_block.
    static void dropout_mask_blocks(T* mask, int64_t block_begin, int64_t block_end, int64_t n, T p,
                                    uint64_t seed, uint64_t step, uint32_t layer, uint64_t key_block = 0) {
        const T keep = T(1) / (T(1) - p);
        // Whole blocks: no bounds test inside, so the compiler runs Philox on a
        // vector of blocks at once (32-bit lanes, 64-bit products).
        const int64_t whole_end = std::min(block_end, n / 4);
#pragma omp simd
        for (int64_t blk = block_begin; blk < whole_end; ++blk) {
            T m[4];
            kernels::dropout_block(seed, step, layer, key_block + uint64_t(blk), p, keep, m);
            for (int k = 0; k < 4; ++k) mask[blk * 4 + k] = m[k];
        }
        for (int64_t blk = std::max(block_begin, whole_end); blk < block_end; ++blk) {
            T m[4];
            kernels::dropout_block(seed, step, layer, key_block + uint64_t(blk), p, keep, m);
            for (int k = 0; k < 4 && blk * 4 + k < n; ++k) mask[blk * 4 + k] = m[k];
        }
    }

    void embedding_forward(const T* ids, int64_t rows, const T* table, int dim, T* out) override {
        for (int64_t r = 0; r < rows; ++r)
            std::memcpy(out + r * dim, table + static_cast<int64_t>(ids[r]) * dim,
                        static_cast<size_t>(dim) * sizeof(T));
    }
    void embedding_backward(const T* ids, int64_t rows, const T* dout, int dim,
                            T* dtable) override {
        for (int64_t r = 0; r < rows; ++r) {
            T* row = dtable + static_cast<int64_t>(ids[r]) * dim;
            for (int k = 0; k < dim; ++k) row[k] += dout[r * dim + k];
        }
    }

    void adam_update(T* params, const T* grads, T* m, T* v, int64_t n,
                     const kernels::AdamStepConstants<T>& k) override {
        for (int64_t i = 0; i < n; ++i) kernels::adam_update_element(params[i], grads[i], m[i], v[i], k);
    }
    void sgd_update(T* params, const T* grads, T* buf, int64_t n, const kernels::SgdStepConstants<T>& k) override {
        T unused = T(0);
        for (int64_t i = 0; i < n; ++i) kernels::sgd_update_element(params[i], grads[i], buf ? buf[i] : unused, k);
    }
    void rmsprop_update(T* params, const T* grads, T* v, T* avg_g, T* buf, int64_t n,
                        const kernels::RmspropStepConstants<T>& k) override {
        T unused_a = T(0), unused_b = T(0);
        for (int64_t i = 0; i < n; ++i)
            kernels::rmsprop_update_element(params[i], grads[i], v[i], avg_g ? avg_g[i] : unused_a,
                                            buf ? buf[i] : unused_b, k);
    }

protected:
    // The inverted-dropout multiplier of element i: 0 or 1/(1-p).
    // The reference: element by element, straight from random_bits.
    static T dropout_keep_scale(T p, uint64_t seed, uint64_t step, uint32_t layer, uint64_t i) {
        uint32_t bits = random_bits(seed, RandomStream::dropout, step, layer, static_cast<uint64_t>(i));
        const uint32_t threshold = static_cast<uint32_t>(static_cast<double>(p) * 16777216.0);
        return (bits >> 8) < threshold ? T(0) : T(1) / (T(1) - p);
    }
};

// The test oracle: every operation a plain loop, GEMM the textbook triple loop.
template <class T>
class ReferenceBackend final : public HostBackend<T> {
public:
    const char* name() const override { return "reference"; }

    void gemm(Trans ta, Trans tb, int M, int N, int K, T alpha, const T* A, int lda, const T* B,
              int ldb, T beta, T* C, int ldc) override {
        for (int m = 0; m < M; ++m)
            for (int n = 0; n < N; ++n) {
                T acc = T(0);
                for (int k = 0; k < K; ++k) {
                    T a = ta == Trans::no ? A[static_cast<int64_t>(m) * lda + k]
                                          : A[static_cast<int64_t>(k) * lda + m];
                    T b = tb == Trans::no ? B[static_cast<int64_t>(k) * ldb + n]
                                          : B[static_cast<int64_t>(n) * ldb + k];
                    acc += a * b;
                }
                T& c = C[static_cast<int64_t>(m) * ldc + n];
                c = alpha * acc + (beta == T(0) ? T(0) : beta * c);
            }
    }
};

}  // namespace cadenza
