// cadenza/backend/eigen_backend.hpp: the fast CPU backend (Eigen GEMMs, OpenMP loops).
//
// The only header in Cadenza that includes Eigen. GEMMs go to Eigen's blocked,
// vectorised product; the pointwise loops call the shared kernels over rows in
// parallel (OpenMP) with the inner loop over hidden units left to the compiler's
// vectoriser. Threads: set_threads(n), else OpenMP's default (OMP_NUM_THREADS).
// The thread count belongs to the backend object: it never changes Eigen's or
// OpenMP's process-wide settings (every parallel region names its team size),
// so two backends with different counts live side by side. Eigen's own
// products here are matrix-vector ones (or alpha/beta other than the layers
// use), which Eigen runs on one thread.
#pragma once

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "cadenza/backend/gru_steps.hpp"
#include "cadenza/backend/host_backend.hpp"
#include "cadenza/backend/lstm_steps.hpp"
#include "cadenza/backend/packed_gemm.hpp"

namespace cadenza {

template <class T>
class EigenBackend final : public HostBackend<T> {
public:
    EigenBackend() : threads_(omp_get_max_threads()) {}
    explicit EigenBackend(int threads) { set_threads(threads); }

    const char* name() const override { return "eigen"; }

    void set_threads(int n) {
        threads_ = n > 0 ? n : omp_get_max_threads();
    }
    int threads() const { return threads_; }

    // Each thread runs its own rows through the whole time loop; the backend
    // calls inside run single-threaded (OpenMP does not nest, and Eigen stays on
    // one thread inside a parallel region).
    void for_each_batch_slice(int B, const std::function<void(int, int)>& fn) override {
        if (threads_ <= 1 || B < 2 * min_rows_per_thread || omp_in_parallel()) {
            fn(0, B);
            return;
        }
#pragma omp parallel num_threads(threads_)
        {
            const int t = omp_get_thread_num(), n = omp_get_num_threads();
            fn(B * t / n, B * (t + 1) / n);
        }
    }

    void gemm(Trans ta, Trans tb, int M, int N, int K, T alpha, const T* A, int lda, const T* B,
              int ldb, T beta, T* C, int ldc) override {
#if defined(__GNUC__)
        // Every product the layers ask for (alpha 1, beta 0 or 1) but the
        // matrix-vector ones goes to our kernels (packed_gemm.hpp), which give
        // each element the same bits whatever the thread count. (A product
        // with one column, such as the weight gradient of an LSTM reading one
        // feature, is a matrix-vector product: packing its long operand would
        // cost more than the product; Eigen's single-threaded GEMV runs it.)
        if (alpha == T(1) && (beta == T(0) || beta == T(1)) && M > 1 && N > 1)
            return packed_product(ta, tb, M, N, K, A, lda, B, ldb, beta == T(1), C, ldc);
#endif
        using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
        using Stride = Eigen::OuterStride<>;
        using CMap = Eigen::Map<const Mat, 0, Stride>;
        Eigen::Map<Mat, 0, Stride> c(C, M, N, Stride(ldc));
        // Stored shapes: A is [M,K] or [K,M]; B is [K,N] or [N,K].
        CMap a(A, ta == Trans::no ? M : K, ta == Trans::no ? K : M, Stride(lda));
        CMap b(B, tb == Trans::no ? K : N, tb == Trans::no ? N : K, Stride(ldb));
        if (M == 1 && ta == Trans::no) {
            // One row (generation at batch 1): a matrix-vector product, no packing.
            using Row = Eigen::Matrix<T, 1, Eigen::Dynamic>;
            Eigen::Map<const Row> x(A, K);
            Eigen::Map<Row> y(C, N);
            if (beta == T(0)) y.setZero();
            else if (beta != T(1)) y *= beta;
            // A large one (the paper's Dense over 12800 inputs) streams its
            // weights from memory: split the outputs across the threads.
            const bool split = double(N) * K >= (1 << 17) && threads_ > 1 && !omp_in_parallel();
#pragma omp parallel num_threads(threads_) if (split)
            {
                const int t = omp_get_thread_num(), n = omp_get_num_threads();
                const int n0 = int(int64_t(N) * t / n), n1 = int(int64_t(N) * (t + 1) / n);
                auto part = y.segment(n0, n1 - n0);
                if (tb == Trans::no) part.noalias() += alpha * x * b.middleCols(n0, n1 - n0);
                else
                    part.noalias() +=
                        alpha * (b.middleRows(n0, n1 - n0) * x.transpose()).transpose();
            }
            return;
        }
        if (beta == T(0)) {
            if (ta == Trans::no && tb == Trans::no) c.noalias() = alpha * a * b;
            else if (ta == Trans::no) c.noalias() = alpha * a * b.transpose();
            else if (tb == Trans::no) c.noalias() = alpha * a.transpose() * b;
            else c.noalias() = alpha * a.transpose() * b.transpose();
        } else {
            if (beta != T(1)) c *= beta;
            if (ta == Trans::no && tb == Trans::no) c.noalias() += alpha * a * b;
            else if (ta == Trans::no) c.noalias() += alpha * a * b.transpose();
            else if (tb == Trans::no) c.noalias() += alpha * a.transpose() * b;
            else c.noalias() += alpha * a.transpose() * b.transpose();
        }
    }

    // A right-hand side used by many products, packed once (packed_gemm.hpp);
    // for a couple of dozen rows in all the packing pays for itself (the
    // stream model's single generation step does not pack).
    void prepare_rhs(Trans tb, int K, int N, const T* B, int ldb, int rows,
                     FixedRhs<T>& rhs) override {
        Backend<T>::prepare_rhs(tb, K, N, B, ldb, rows, rhs);
        if (rows < kPackRows) return;
        rhs.packed.resize(size_t(packed_gemm::Layout<T>::size(K, N)));
        packed_gemm::pack(tb == Trans::yes, K, N, B, ldb, rhs.packed.data());
        rhs.packing = FixedRhs<T>::Packing::panels;
    }
    void gemm_fixed_rhs(int M, const T* A, int lda, const FixedRhs<T>& rhs, bool accumulate, T* C,
                        int ldc) override {
        if (rhs.packing != FixedRhs<T>::Packing::panels)
            return Backend<T>::gemm_fixed_rhs(M, A, lda, rhs, accumulate, C, ldc);
        packed_gemm::multiply(M, rhs.N, rhs.K, A, lda, rhs.packed.data(), accumulate, C, ldc);
    }

    // The LSTM's steps (lstm_steps.hpp): each step's products (the input
    // projection too) and its gate math a tile of rows at a time, on the
    // weights packed as panels by prepare_rhs. (Folding the input projection
    // in measured faster at every size, even where W_ih and W_hh outgrow L2
    // and are read again at every step: writing the projections of all steps
    // and reading them back costs more; docs/benchmarks.md.)
#if defined(__GNUC__)
    bool fuses_input_projection(int, int) const override { return true; }
#endif
    void lstm_step_forward(int n, int I, int H, const T* x, int ldx, const T* h_prev, const RecurrentWeights<T>& w,
                           const T* bias, T* gates, const T* c_prev, T* c, T* h, bool keep_activations) override {
        using P = typename FixedRhs<T>::Packing;
        if (w.hidden.packing != P::panels || w.input.packing != P::panels)
            return Backend<T>::lstm_step_forward(n, I, H, x, ldx, h_prev, w, bias, gates, c_prev, c, h,
                                                 keep_activations);
        lstm_steps::forward_step(n, I, H, x, ldx, h_prev, w.input.packed.data(), w.hidden.packed.data(), bias, gates,
                                 c_prev, c, h);
    }
    // The GRU's forward step the same way (gru_steps.hpp).
    void gru_step_forward(int n, int I, int H, const T* x, int ldx, const T* h_prev, const RecurrentWeights<T>& w,
                          const T* b_ih, const T* b_hh, T* gi, T* gates, T* h) override {
        using P = typename FixedRhs<T>::Packing;
        if (w.hidden.packing != P::panels || w.input.packing != P::panels)
            return Backend<T>::gru_step_forward(n, I, H, x, ldx, h_prev, w, b_ih, b_hh, gi, gates, h);
        gru_steps::forward_step(n, I, H, x, ldx, h_prev, w.input.packed.data(), w.hidden.packed.data(), b_ih, b_hh,
                                gi, gates, h);
    }
    void gru_step_backward(int n, int H, const T* gates, const T* h_prev, const T* dy, T* dh, T* dgi, T* dgh,
                           const FixedRhs<T>& w_hh) override {
        if (w_hh.packing != FixedRhs<T>::Packing::panels)
            return Backend<T>::gru_step_backward(n, H, gates, h_prev, dy, dh, dgi, dgh, w_hh);
        gru_steps::backward_step(n, H, gates, h_prev, dy, dh, dgi, dgh, w_hh.packed.data());
    }
    void lstm_step_backward(int n, int I, int H, const T* gates, const T* c_prev, const T* c, const T* dy, T* dh,
                            T* dc, T* dgates, T* dx, int ldx, const RecurrentWeights<T>& w) override {
        using P = typename FixedRhs<T>::Packing;
        if (w.hidden.packing != P::panels || (dx && w.input.packing != P::panels))
            return Backend<T>::lstm_step_backward(n, I, H, gates, c_prev, c, dy, dh, dc, dgates, dx, ldx, w);
        lstm_steps::backward_step(n, I, H, gates, c_prev, c, dy, dh, dc, dgates, w.hidden.packed.data(),
                                  dx ? w.input.packed.data() : nullptr, dx, ldx);
    }

    void lstm_forward_pointwise(int B, int H, T* gates, const T* bias, const T* c_prev, T* c,
                                T* h) override {
#pragma omp parallel for num_threads(threads_) schedule(static) if (int64_t(B) * H >= 8192)
        for (int b = 0; b < B; ++b) {
            T* g = gates + static_cast<int64_t>(b) * 4 * H;
            const T* cp = c_prev + static_cast<int64_t>(b) * H;
            T* cr = c + static_cast<int64_t>(b) * H;
            T* hr = h + static_cast<int64_t>(b) * H;
#pragma omp simd
            for (int j = 0; j < H; ++j)
                kernels::lstm_cell_forward(j, H, g, bias, cp[j], cr[j], hr[j]);
        }
    }

    void lstm_backward_pointwise(int B, int H, const T* gates, const T* c_prev, const T* c,
                                 const T* dy, const T* dh_next, T* dc, T* dgates) override {
#pragma omp parallel for num_threads(threads_) schedule(static) if (int64_t(B) * H >= 8192)
        for (int b = 0; b < B; ++b) {
            int64_t row = static_cast<int64_t>(b) * H;
            const T* g = gates + 4 * row;
            T* dg = dgates + 4 * row;
            const T* dyr = dy ? dy + row : nullptr;
            if (dyr) {
#pragma omp simd
                for (int j = 0; j < H; ++j)
                    kernels::lstm_cell_backward(j, H, g, c_prev[row + j], c[row + j],
                                                dh_next[row + j] + dyr[j], dc[row + j], dg);
            } else {
#pragma omp simd
                for (int j = 0; j < H; ++j)
                    kernels::lstm_cell_backward(j, H, g, c_prev[row + j], c[row + j],
                                                dh_next[row + j], dc[row + j], dg);
            }
        }
    }

    void multiply(const T* x, const T* m, T* y, int64_t n) override {
#pragma omp parallel for simd num_threads(threads_) schedule(static) if (n >= 65536)
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * m[i];
    }

    void swap_leading_axes(const T* src, T* dst, int64_t A, int64_t B, int64_t F) override {
#pragma omp parallel for num_threads(threads_) schedule(static) if (A * B * F >= 65536)
        for (int64_t b = 0; b < B; ++b)
            for (int64_t a = 0; a < A; ++a)
                std::memcpy(dst + (b * A + a) * F, src + (a * B + b) * F,
                            static_cast<size_t>(F) * sizeof(T));
    }

    void accumulate_column_sum(const T* X, int64_t rows, int64_t cols, T* y) override {
        // Columns split across threads; each column summed in row order.
#pragma omp parallel for num_threads(threads_) schedule(static) if (rows * cols >= 65536)
        for (int64_t c0 = 0; c0 < cols; c0 += 64) {
            int64_t c1 = std::min(cols, c0 + 64);
            for (int64_t r = 0; r < rows; ++r) {
                const T* x = X + r * cols;
#pragma omp simd
                for (int64_t c = c0; c < c1; ++c) y[c] += x[c];
            }
        }
    }

    double softmax_cross_entropy(int64_t rows, int V, const T* logits, const int32_t* targets,
                                 T dloss_per_row, T* dlogits) override {
        // Fixed blocks of rows, each summed in order, the blocks' sums added
        // in order: the same total whatever the thread count.
        constexpr int64_t block = 16;
        const int64_t nb = (rows + block - 1) / block;
        std::vector<double> part(static_cast<size_t>(nb));
#pragma omp parallel for num_threads(threads_) schedule(static) if (rows >= 2 * block)
        for (int64_t bi = 0; bi < nb; ++bi) {
            double s = 0;
            for (int64_t r = bi * block, e = std::min(rows, r + block); r < e; ++r)
                s += kernels::softmax_cross_entropy_row(V, logits + r * V, targets[r], dloss_per_row,
                                                        dlogits ? dlogits + r * V : nullptr);
            part[static_cast<size_t>(bi)] = s;
        }
        double total = 0;
        for (double p : part) total += p;
        return total;
    }

    void dropout_mask(T* mask, int64_t n, T p, uint64_t seed, uint64_t step, uint32_t layer,
                      uint64_t first_key = 0) override {
        // A mask that starts inside a Philox block: element by element.
        if (first_key % 4 != 0) return HostBackend<T>::dropout_mask(mask, n, p, seed, step, layer, first_key);
        const int64_t blocks = (n + 3) / 4;
        // (A constant team size with an if clause: switching OpenMP's team size
        // between regions costs far more than these loops.)
#pragma omp parallel num_threads(threads_) if (n >= 65536)
        {
            const int64_t t = omp_get_thread_num(), k = omp_get_num_threads();
            this->dropout_mask_blocks(mask, blocks * t / k, blocks * (t + 1) / k, n, p, seed, step, layer,
                                      first_key / 4);
        }
    }

    void adam_update(T* params, const T* grads, T* m, T* v, int64_t n,
                     const kernels::AdamStepConstants<T>& k) override {
#pragma omp parallel for simd num_threads(threads_) schedule(static) if (n >= 65536)
        for (int64_t i = 0; i < n; ++i)
            kernels::adam_update_element(params[i], grads[i], m[i], v[i], k);
    }

    double sum_of_squares(const T* x, int64_t n) override {
        // Fixed blocks summed in order, whatever the thread count: deterministic.
        const int64_t block = 1 << 14;
        int64_t nb = (n + block - 1) / block;
        std::vector<double> part(static_cast<size_t>(nb));
#pragma omp parallel for num_threads(threads_) schedule(static) if (n >= 65536)
        for (int64_t bi = 0; bi < nb; ++bi) {
            double s = 0;
            int64_t e = std::min(n, (bi + 1) * block);
#pragma omp simd reduction(+ : s)
            for (int64_t i = bi * block; i < e; ++i) s += double(x[i]) * double(x[i]);
            part[static_cast<size_t>(bi)] = s;
        }
        double s = 0;
        for (double p : part) s += p;
        return s;
    }

private:
#if defined(__GNUC__)
    // C = op(A) . op(B) (+ C) on our kernels, threads splitting C's rows, or
    // its columns when there are too few rows to go round: each element is
    // summed the same way whatever the split.
    void packed_product(Trans ta, Trans tb, int M, int N, int K, const T* A, int lda, const T* B,
                        int ldb, bool accumulate, T* C, int ldc) {
        constexpr int R = packed_gemm::kTileRows, W = packed_gemm::Layout<T>::width;
        const int threads = double(M) * N * K >= (1 << 18) && !omp_in_parallel() ? threads_ : 1;
        const bool by_rows = M >= 2 * R * threads;
        const int units = by_rows ? (M + R - 1) / R : (N + W - 1) / W;  // tiles of rows, or panels
#pragma omp parallel num_threads(threads) if (threads > 1)
        {
            const int t = omp_get_thread_num(), n = omp_get_num_threads();
            const int u0 = int(int64_t(units) * t / n), u1 = int(int64_t(units) * (t + 1) / n);
            const int m0 = by_rows ? u0 * R : 0, m1 = by_rows ? std::min(M, u1 * R) : M;
            const int n0 = by_rows ? 0 : u0 * W, n1 = by_rows ? N : std::min(N, u1 * W);
            packed_gemm::gemm(ta == Trans::yes, tb == Trans::yes, m0, m1, n0, n1, K, A, lda, B, ldb,
                              accumulate, C, ldc, scratch());
        }
    }
    // Each thread's buffer for the packed blocks of B.
    static std::vector<T>& scratch() {
        static thread_local std::vector<T> buffer;
        return buffer;
    }
#endif
    // Products over fewer rows than this in all do not pack their right-hand side.
    static constexpr int kPackRows = 32;
    // Below this many rows per thread, splitting the batch costs more than it saves.
    static constexpr int min_rows_per_thread = 16;
    int threads_ = 1;
};

}  // namespace cadenza
