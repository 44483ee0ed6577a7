// cadenza/backend/backend.hpp: the arithmetic a layer may ask for.
//
// Layers never touch numbers directly: they allocate tensors and compute through
// this interface, so one layer serves every backend. Implementations:
//   ReferenceBackend (host_backend.hpp):     plain scalar loops, the test oracle;
//   EigenBackend     (eigen_backend.hpp):     the fast CPU path;
//   the CUDA backend (cuda/):                 cuBLAS GEMMs and fused kernels.
// Pointers are in the backend's memory (host or device); matrices are row-major.
// Every operation either overwrites or accumulates, and its name says which.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "cadenza/core/philox.hpp"
#include "cadenza/core/tensor.hpp"
#include "cadenza/kernels/adam.hpp"
#include "cadenza/kernels/rmsprop.hpp"
#include "cadenza/kernels/sgd.hpp"

namespace cadenza {

enum class Trans { no, yes };

// A right-hand side op(B) [K, N] that stays fixed over many products, such as
// the recurrent weights inside an LSTM's time loop. Backend::prepare_rhs fills
// it once; Backend::gemm_fixed_rhs then multiplies with it. `packed` holds a
// backend's own layout of B (EigenBackend: packed_gemm.hpp's panels) or stays
// empty; B must outlive the products either way.
template <class T>
struct FixedRhs {
    Trans trans = Trans::no;
    int K = 0, N = 0;
    const T* B = nullptr;
    int ldb = 0;
    std::vector<T> packed;
    // How `packed` is laid out (EigenBackend: packed_gemm.hpp's panels);
    // none: B is used as it is.
    enum class Packing { none, panels } packing = Packing::none;
};

// The LSTM's weights as its time loop uses them (Backend::prepare_recurrence).
template <class T>
struct RecurrentWeights {
    FixedRhs<T> hidden;  // forward: W_hh^T [H, gH]; backward: W_hh [gH, H]  (g: 4 gates LSTM, 3 GRU)
    FixedRhs<T> input;   // W_ih^T [I, gH], when the backend folds the input projection into each step
};

template <class T>
class Backend {
public:
    virtual ~Backend() = default;

    virtual const char* name() const = 0;
    virtual Device device() const = 0;

    // ---- memory -------------------------------------------------------------
    // A zero-filled tensor in this backend's memory.
    virtual Tensor<T> zeros(Shape shape) = 0;
    virtual void upload(const T* host_src, T* dst, int64_t n) = 0;
    virtual void download(const T* src, T* host_dst, int64_t n) = 0;
    virtual void copy(const T* src, T* dst, int64_t n) = 0;
    virtual void fill(T* dst, int64_t n, T value) = 0;
    // Waits until all queued work is done (a no-op on the CPU).
    virtual void synchronize() {}

    // Runs fn(b0, b1) over slices [b0, b1) that together cover the batch rows
    // [0, B). Work on separate rows is independent (an LSTM's time loop is), so
    // a CPU backend gives each thread its own slice for the whole loop, with no
    // synchronisation per step; a GPU backend calls fn(0, B) once.
    virtual void for_each_batch_slice(int B, const std::function<void(int, int)>& fn) { fn(0, B); }

    // ---- dense linear algebra -------------------------------------------------
    // C[M,N] = alpha * op(A)[M,K] . op(B)[K,N] + beta * C, row-major with leading
    // dimensions lda, ldb, ldc (the row strides of A, B, C as stored).
    virtual void gemm(Trans ta, Trans tb, int M, int N, int K, T alpha, const T* A, int lda,
                      const T* B, int ldb, T beta, T* C, int ldc) = 0;
    // Prepares op(B) [K, N] (B stored [K, N], or [N, K] when tb is yes) for
    // gemm_fixed_rhs products over `rows` rows in all (an LSTM: T * B, every
    // step's rows together); a backend may decide that preparing does not pay
    // for few. Default: remembers B, packs nothing.
    virtual void prepare_rhs(Trans tb, int K, int N, const T* B, int ldb, int rows,
                             FixedRhs<T>& rhs) {
        (void)rows;
        rhs.trans = tb;
        rhs.K = K;
        rhs.N = N;
        rhs.B = B;
        rhs.ldb = ldb;
        rhs.packed.clear();
        rhs.packing = FixedRhs<T>::Packing::none;
    }
    // C[M, N] = A[M, K] . op(B)[K, N], plus C when accumulate. Safe to call from
    // the threads of for_each_batch_slice. Default: gemm.
    virtual void gemm_fixed_rhs(int M, const T* A, int lda, const FixedRhs<T>& rhs, bool accumulate,
                                T* C, int ldc) {
        gemm(Trans::no, rhs.trans, M, rhs.N, rhs.K, T(1), A, lda, rhs.B, rhs.ldb,
             accumulate ? T(1) : T(0), C, ldc);
    }
    // Y[rows, cols] += v[cols] on every row.
    virtual void add_row_vector(T* Y, const T* v, int64_t rows, int64_t cols) = 0;
    // y[cols] += sum over rows of X[rows, cols], summed in a fixed order.
    virtual void accumulate_column_sum(const T* X, int64_t rows, int64_t cols, T* y) = 0;
    // y[i] = x[i] * m[i]
    virtual void multiply(const T* x, const T* m, T* y, int64_t n) = 0;
    // y[i] += alpha * x[i]
    virtual void axpy(T alpha, const T* x, T* y, int64_t n) = 0;
    // x[i] *= alpha
    virtual void scale(T* x, T alpha, int64_t n) = 0;
    // sum of x[i]^2, in double, in a fixed order (deterministic).
    virtual double sum_of_squares(const T* x, int64_t n) = 0;
    // dst[b, a, f] = src[a, b, f] for src [A, B, F]: swaps the two leading axes,
    // e.g. a sequence [T, B, F] into samples [B, T, F].
    virtual void swap_leading_axes(const T* src, T* dst, int64_t A, int64_t B, int64_t F) = 0;

    // ---- LSTM recurrence: one time step, fused where a backend can -----------
    // Do lstm_step_forward and gru_step_forward compute each step's input
    // projection x[t] . W_ih^T themselves, for a layer of I inputs and H
    // units? Then the layer skips the one GEMM over all T*B rows (a GPU
    // prefers that one large GEMM; a CPU keeps the step's gates in cache by
    // folding it into the step, as long as both weight matrices fit in its
    // cache too).
    virtual bool fuses_input_projection(int I, int H) const {
        (void)I;
        (void)H;
        return false;
    }
    // The weights prepared once per pass for the steps of `rows` rows in all
    // (T * B): for the forward (backward false) the products x . W_ih^T and
    // h . W_hh^T; for the backward dG . W_hh and dG . W_ih. W_ih [4H, I],
    // W_hh [4H, H]. Default: prepare_rhs of the ones the default steps use.
    virtual void prepare_recurrence(int I, int H, const T* W_ih, const T* W_hh, int rows, bool backward,
                                    RecurrentWeights<T>& w) {
        if (backward) {
            prepare_rhs(Trans::no, 4 * H, H, W_hh, H, rows, w.hidden);
            if (fuses_input_projection(I, H)) prepare_rhs(Trans::no, 4 * H, I, W_ih, I, rows, w.input);
        } else {
            prepare_rhs(Trans::yes, H, 4 * H, W_hh, H, rows, w.hidden);
            if (fuses_input_projection(I, H)) prepare_rhs(Trans::yes, I, 4 * H, W_ih, I, rows, w.input);
        }
    }
    // One forward step for n rows (eq. 1-6). x [n, I] (row stride ldx) is the
    // step's input; gates [n, 4H] holds its projection x . W_ih^T when the
    // backend does not fuse it (else anything), and receives the
    // pre-activations, then the activations i, f, g, o (which the backward
    // reads; with keep_activations false a backend may leave anything
    // there). h_prev, c_prev, c, h [n, H]; bias [4H]. Default:
    // gemm_fixed_rhs, then lstm_forward_pointwise. Safe to call from
    // for_each_batch_slice's threads.
    virtual void lstm_step_forward(int n, int I, int H, const T* x, int ldx, const T* h_prev,
                                   const RecurrentWeights<T>& w, const T* bias, T* gates, const T* c_prev, T* c, T* h,
                                   bool keep_activations) {
        (void)keep_activations;
        if (fuses_input_projection(I, H)) gemm_fixed_rhs(n, x, ldx, w.input, false, gates, 4 * H);
        gemm_fixed_rhs(n, h_prev, H, w.hidden, true, gates, 4 * H);
        lstm_forward_pointwise(n, H, gates, bias, c_prev, c, h);
    }
    // One backward step for n rows (eq. 7-13): dh [n, H] in: dh from step t+1
    // (dy [n, H] or null is added), out: dh[t-1] = dG . W_hh; dc in/out;
    // dgates [n, 4H] written. When the backend fuses the input projection and
    // dx is not null, also dx[t] = dG . W_ih [n, I] (row stride ldx, eq. 17),
    // and the layer skips the one GEMM over all T*B rows. Default:
    // lstm_backward_pointwise, then gemm_fixed_rhs.
    virtual void lstm_step_backward(int n, int I, int H, const T* gates, const T* c_prev, const T* c, const T* dy,
                                    T* dh, T* dc, T* dgates, T* dx, int ldx, const RecurrentWeights<T>& w) {
        lstm_backward_pointwise(n, H, gates, c_prev, c, dy, dh, dc, dgates);
        gemm_fixed_rhs(n, dgates, 4 * H, w.hidden, false, dh, H);
        if (dx && fuses_input_projection(I, H)) gemm_fixed_rhs(n, dgates, 4 * H, w.input, false, dx, ldx);
    }

    // ---- LSTM pointwise step (kernels/lstm_cell.hpp) --------------------------
    // gates [B, 4H]: in pre-activations (no bias), out activations i, f, g, o.
    // c_prev, c, h: [B, H]. bias [4H].
    virtual void lstm_forward_pointwise(int B, int H, T* gates, const T* bias, const T* c_prev,
                                        T* c, T* h) = 0;
    // gates [B, 4H] activations; c_prev, c [B, H]; dy [B, H] the output gradient
    // at this step (may be null); dh_next [B, H] from step t+1 (overwritten by
    // nothing); dc [B, H] in: from t+1, out: to t-1; dgates [B, 4H] written.
    virtual void lstm_backward_pointwise(int B, int H, const T* gates, const T* c_prev,
                                         const T* c, const T* dy, const T* dh_next, T* dc,
                                         T* dgates) = 0;

    // ---- GRU recurrence: one forward step, fused where a backend can ----------
    // The weights prepared once per forward pass for the steps of `rows` rows
    // in all: W_hh^T [H, 3H] for h . W_hh^T and, when the backend fuses the
    // input projection, W_ih^T [I, 3H]. W_ih [3H, I], W_hh [3H, H].
    virtual void prepare_gru_forward(int I, int H, const T* W_ih, const T* W_hh, int rows, RecurrentWeights<T>& w) {
        prepare_rhs(Trans::yes, H, 3 * H, W_hh, H, rows, w.hidden);
        if (fuses_input_projection(I, H)) prepare_rhs(Trans::yes, I, 3 * H, W_ih, I, rows, w.input);
    }
    // One forward step for n rows (eq. 18-22). x [n, I] (row stride ldx) is
    // the step's input; gi [n, 3H] holds its projection x . W_ih^T + b_ih when
    // the backend does not fuse it (else it is written here); gates [n, 4H]
    // receives r, z, n, m; h_prev, h [n, H]; b_ih, b_hh [3H]. Default:
    // gemm_fixed_rhs, then gru_forward_pointwise. Safe to call from
    // for_each_batch_slice's threads.
    virtual void gru_step_forward(int n, int I, int H, const T* x, int ldx, const T* h_prev,
                                  const RecurrentWeights<T>& w, const T* b_ih, const T* b_hh, T* gi, T* gates,
                                  T* h) {
        if (fuses_input_projection(I, H)) {
            gemm_fixed_rhs(n, x, ldx, w.input, false, gi, 3 * H);
            add_row_vector(gi, b_ih, n, 3 * H);
        }
        gemm_fixed_rhs(n, h_prev, H, w.hidden, false, gates, 4 * H);
        gru_forward_pointwise(n, H, gi, gates, b_hh, h_prev, h);
    }

    // One backward step for n rows (eq. 23-28): gates [n, 4H] as the forward
    // left them; h_prev [n, H]; dy [n, H] or null (added to dh); dh [n, H] in:
    // from step t+1, out: dh[t-1] = dh * z + dGh . W_hh; dgi, dgh [n, 3H]
    // written; w_hh: W_hh [3H, H] prepared by prepare_rhs(Trans::no, ...).
    // Default: gru_backward_pointwise, then gemm_fixed_rhs.
    virtual void gru_step_backward(int n, int H, const T* gates, const T* h_prev, const T* dy, T* dh, T* dgi,
                                   T* dgh, const FixedRhs<T>& w_hh) {
        gru_backward_pointwise(n, H, gates, h_prev, dy, dh, dgi, dgh);
        gemm_fixed_rhs(n, dgh, 3 * H, w_hh, true, dh, H);
    }

    // ---- GRU pointwise step (kernels/gru_cell.hpp) -----------------------------
    // gi [B, 3H]: the step's input projections x . W_ih^T + b_ih. gates [B, 4H]:
    // in, columns [0, 3H): the recurrent product h_prev . W_hh^T (no bias);
    // out: r, z, n, m (eq. 18-21). b_hh [3H]; h_prev, h [B, H] (eq. 22).
    virtual void gru_forward_pointwise(int B, int H, const T* gi, T* gates, const T* b_hh, const T* h_prev,
                                       T* h) = 0;
    // gates [B, 4H] as the forward left them; h_prev [B, H]; dy [B, H] the
    // output gradient at this step (may be null); dh [B, H] in: from step
    // t+1, out: dh * z, the part of dL/dh_{t-1} that bypasses W_hh (eq. 27);
    // dgi, dgh [B, 3H] written (eq. 23-26).
    virtual void gru_backward_pointwise(int B, int H, const T* gates, const T* h_prev, const T* dy, T* dh, T* dgi,
                                        T* dgh) = 0;

    // ---- softmax + cross-entropy (kernels/softmax_cross_entropy.hpp) ----------
    // logits [rows, V], targets [rows]. Writes dlogits [rows, V] = (p - onehot) *
    // dloss_per_row (when non-null) and returns the summed loss over rows.
    virtual double softmax_cross_entropy(int64_t rows, int V, const T* logits,
                                         const int32_t* targets, T dloss_per_row,
                                         T* dlogits) = 0;
    // How many rows have their target among the top k logits.
    virtual int64_t count_top_k(int64_t rows, int V, const T* logits, const int32_t* targets,
                                int k) = 0;
    // Integer targets live in the backend's memory too.
    virtual std::shared_ptr<int32_t> upload_targets(const int32_t* host, int64_t n) = 0;

    // ---- randomness -----------------------------------------------------------
    // mask[i] = 0 with probability p, else 1 / (1 - p) (inverted dropout), from
    // random_bits(seed, dropout, step, layer, first_key + i): the same on every
    // backend. first_key places the mask within a larger one (a micro-batch's
    // rows within the global batch, so that masks do not depend on how a batch
    // is cut; dist/data_parallel.hpp).
    virtual void dropout_mask(T* mask, int64_t n, T p, uint64_t seed, uint64_t step, uint32_t layer,
                              uint64_t first_key = 0) = 0;

    // ---- embedding ------------------------------------------------------------
    // out[r, :] = table[ids[r], :]; ids are token ids stored as T.
    virtual void embedding_forward(const T* ids, int64_t rows, const T* table, int dim,
                                   T* out) = 0;
    // dtable[ids[r], :] += dout[r, :], in row order (deterministic).
    virtual void embedding_backward(const T* ids, int64_t rows, const T* dout, int dim,
                                    T* dtable) = 0;

    // ---- optimizer ------------------------------------------------------------
    virtual void adam_update(T* params, const T* grads, T* m, T* v, int64_t n,
                             const kernels::AdamStepConstants<T>& k) = 0;
    // buf: the momentum buffer (null when k.momentum is 0).
    virtual void sgd_update(T* params, const T* grads, T* buf, int64_t n,
                            const kernels::SgdStepConstants<T>& k) = 0;
    // v: the mean square; avg_g: the mean gradient (null unless k.centered);
    // buf: the momentum buffer (null when k.momentum is 0).
    virtual void rmsprop_update(T* params, const T* grads, T* v, T* avg_g, T* buf, int64_t n,
                                const kernels::RmspropStepConstants<T>& k) = 0;
};

}  // namespace cadenza
