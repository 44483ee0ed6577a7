// cadenza/layers/lstm.hpp: the LSTM layer, forward and hand-written BPTT side by side.
//
// Parameters, in the flat buffer in this order (PyTorch's layout and gate order
// i, f, g, o; one bias of 4H as Keras counts it, PyTorch's b_ih + b_hh):
//   W_ih [4H, I], W_hh [4H, H], b [4H]
// Initialisation as Keras: W_ih glorot-uniform, W_hh orthogonal, b zero except
// the forget gate's bias at 1.
//
// Forward (docs/bptt.md derives it; eq. numbers refer there):
//   G      = X . W_ih^T                       one GEMM over all T*B rows (or,
//                                             where the backend fuses it, per step)
//   for t: G[t] += h[t-1] . W_hh^T            the recurrent GEMM
//          pointwise: bias, activations, c[t], h[t]   (eq. 1-6)
//   (Backend::lstm_step_forward runs each step; inference keeps no activations.)
// Backward:
//   for t = T-1 .. 0: pointwise backward -> dG[t], dc[t-1]  (eq. 7-12)
//                     dh[t-1] = dG[t] . W_hh                (eq. 13)
//                     (dX[t] = dG[t] . W_ih here, where the backend fuses it)
//   after the loop, whole-sequence GEMMs:
//     dW_ih += dG^T . X,  dW_hh += dG^T . H[0..T-1],  db += colsum(dG),
//     dX = dG . W_ih (unless the steps computed it)
#pragma once

#include <string>

#include "cadenza/layers/init.hpp"
#include "cadenza/layers/layer.hpp"

namespace cadenza {

template <class T>
struct LstmCache : LayerCache<T> {
    TensorView<const T> x;  // [T, B, I] the input (borrowed: the caller keeps it until backward)
    Tensor<T> gates;  // [T, B, 4H] activations i, f, g, o at each step
    Tensor<T> h;      // [T+1, B, H] h[0] = h0, h[t+1] = output at step t
    Tensor<T> c;      // [T+1, B, H] c[0] = c0
    Tensor<T> dgates; // [T, B, 4H] scratch of the backward
    Tensor<T> dh, dc; // [B, H] the backward's running gradients
    Tensor<T> step_gates;        // [B, 4H] the steps' scratch in inference, when the backend fuses the input projection
    RecurrentWeights<T> weights; // W_ih, W_hh prepared for the time loop's products (backend's layout)
    // Optional state in: set h0/c0 ([B, H]) before forward; empty means zeros.
    Tensor<T> h0, c0;
    // Optional gradients of the final state ([B, H]) in; empty means zero.
    Tensor<T> dh_final, dc_final;
    // After backward: dL/dh0 and dL/dc0 ([B, H]).
    Tensor<T> dh0, dc0;

    // The final state after forward: h[T], c[T] as [B, H] views.
    Tensor<T> final_h() { return h(h.dim(0) - 1); }
    Tensor<T> final_c() { return c(c.dim(0) - 1); }
};

template <class T>
class Lstm final : public Layer<T> {
public:
    struct Options {
        int units = 128;
        bool return_sequences = true;  // else only the last step's output [B, H]
        bool stateful = false;         // carry the final state into the next forward
    };

    explicit Lstm(Options o) : opt_(o) {
        CADENZA_CHECK(o.units > 0, "LSTM units must be positive, got ", o.units);
    }
    explicit Lstm(int units, bool return_sequences = true)
        : Lstm(Options{units, return_sequences, false}) {}

    std::string kind() const override { return "LSTM"; }
    LayerConfig config() const override {
        return {{"units", std::to_string(opt_.units)},
                {"return_sequences", opt_.return_sequences ? "1" : "0"},
                {"stateful", opt_.stateful ? "1" : "0"}};
    }
    int units() const { return opt_.units; }
    int input_size() const { return I_; }

    Shape build(const Shape& in) override {
        CADENZA_CHECK(in.rank() == 2, "LSTM needs sequences (per-sample shape {T, F}), got ",
                      in.str());
        I_ = static_cast<int>(in[1]);
        H_ = opt_.units;
        this->input_shape_ = in;
        this->output_shape_ = opt_.return_sequences ? Shape{in[0], H_} : Shape{H_};
        return this->output_shape_;
    }
    int64_t parameter_count() const override {
        return 4LL * H_ * I_ + 4LL * H_ * H_ + 4LL * H_;
    }
    void bind(T* p, T* g) override {
        W_ih_ = p;
        W_hh_ = p + 4LL * H_ * I_;
        b_ = W_hh_ + 4LL * H_ * H_;
        dW_ih_ = g;
        dW_hh_ = g + 4LL * H_ * I_;
        db_ = dW_hh_ + 4LL * H_ * H_;
    }
    void initialize(T* w, uint64_t seed) const override {
        RandomSequence rng(seed, RandomStream::init, 0, this->index_);
        // Keras draws its kernel [I, 4H]; ours is the transpose, same fans.
        init::glorot_uniform(w, 4LL * H_ * I_, I_, 4LL * H_, rng);
        init::orthogonal(w + 4LL * H_ * I_, 4LL * H_, H_, rng);
        T* b = w + 4LL * H_ * I_ + 4LL * H_ * H_;
        for (int k = 0; k < 4 * H_; ++k) b[k] = (k >= H_ && k < 2 * H_) ? T(1) : T(0);
    }

    std::unique_ptr<LayerCache<T>> make_cache() const override {
        return std::make_unique<LstmCache<T>>();
    }

    // x: [T, B, I] -> y: [T, B, H] (return_sequences) or [B, H].
    const Tensor<T>& forward(const Tensor<T>& x, LayerCache<T>& base,
                             const ForwardContext& ctx) override {
        auto& k = static_cast<LstmCache<T>&>(base);
        CADENZA_CHECK(x.rank() == 3 && x.dim(2) == I_, "LSTM input must be [T, B, ", I_,
                      "], got ", x.shape().str());
        const int T_ = static_cast<int>(x.dim(0)), B = static_cast<int>(x.dim(1)), H = H_;
        const int G = 4 * H;
        k.x = x.view();
        // Training keeps each step's activations for the backward; inference,
        // when the backend folds the input projection into the steps, needs
        // only one step's gates at a time.
        const bool keep = ctx.mode == Mode::train;
        const bool fused = be().fuses_input_projection(I_, H);
        const bool per_step = !keep && fused;
        this->ensure(per_step ? k.step_gates : k.gates, per_step ? Shape{B, G} : Shape{T_, B, G});
        this->ensure(k.h, {T_ + 1, B, H});
        this->ensure(k.c, {T_ + 1, B, H});
        load_initial_state(k, B);

        // G = X . W_ih^T for all steps at once: [T*B, I] x [I, 4H] (unless
        // the backend computes it inside each step).
        if (!fused)
            be().gemm(Trans::no, Trans::yes, T_ * B, G, I_, T(1), x.data(), I_, W_ih_, I_, T(0), k.gates.data(), G);
        // W_ih and W_hh, prepared once for every step's products.
        be().prepare_recurrence(I_, H, W_ih_, W_hh_, T_ * B, false, k.weights);
        // Rows are independent: each slice [b0, b1) of the batch runs the loop alone.
        be().for_each_batch_slice(B, [&](int b0, int b1) {
            const int n = b1 - b0;
            for (int t = 0; t < T_; ++t) {
                const int64_t row = int64_t(t) * B + b0;  // first row of the slice at step t
                T* g = per_step ? k.step_gates.data() + int64_t(b0) * G : k.gates.data() + row * G;
                // G[t] = x[t] . W_ih^T + h[t-1] . W_hh^T, then the gate math   (eq. 1-6)
                be().lstm_step_forward(n, I_, H, x.data() + row * I_, I_, k.h.data() + row * H, k.weights, b_, g,
                                       k.c.data() + row * H, k.c.data() + (row + B) * H, k.h.data() + (row + B) * H,
                                       keep);
            }
        });
        if (opt_.stateful) {
            this->ensure(carried_h_, {B, H});
            this->ensure(carried_c_, {B, H});
            be().copy(k.h.data() + int64_t(T_) * B * H, carried_h_.data(), int64_t(B) * H);
            be().copy(k.c.data() + int64_t(T_) * B * H, carried_c_.data(), int64_t(B) * H);
        }
        k.y = opt_.return_sequences ? k.h.slice(1, T_ + 1) : k.h(T_);
        return k.y;
    }

    // dy: [T, B, H] or [B, H] -> dx: [T, B, I] (overwritten); dW, db accumulated.
    void backward(const Tensor<T>& dy, LayerCache<T>& base, Tensor<T>* dx) override {
        auto& k = static_cast<LstmCache<T>&>(base);
        const int T_ = static_cast<int>(k.x.dim(0)), B = static_cast<int>(k.x.dim(1)), H = H_;
        const int G = 4 * H;
        dy.expect_shape(k.y.shape(), "LSTM output gradient");
        this->ensure(k.dgates, {T_, B, G});
        this->ensure(k.dh, {B, H});
        this->ensure(k.dc, {B, H});
        if (!k.dh_final.empty()) be().copy(k.dh_final.data(), k.dh.data(), int64_t(B) * H);
        else be().fill(k.dh.data(), int64_t(B) * H, T(0));
        if (!k.dc_final.empty()) be().copy(k.dc_final.data(), k.dc.data(), int64_t(B) * H);
        else be().fill(k.dc.data(), int64_t(B) * H, T(0));

        // W_hh [4H, H] (and W_ih [4H, I]), prepared once for every step's products.
        be().prepare_recurrence(I_, H, W_ih_, W_hh_, T_ * B, true, k.weights);
        // dX = dG . W_ih inside each step, where the backend folds it in.
        const bool fused_dx = dx && be().fuses_input_projection(I_, H);
        if (dx) this->ensure(*dx, k.x.shape());
        // The time loop holds only the recurrence; each batch slice runs it alone.
        be().for_each_batch_slice(B, [&](int b0, int b1) {
            const int n = b1 - b0;
            T* dh = k.dh.data() + int64_t(b0) * H;
            T* dc = k.dc.data() + int64_t(b0) * H;
            for (int t = T_ - 1; t >= 0; --t) {
                const int64_t row = int64_t(t) * B + b0;
                const T* dy_t = opt_.return_sequences ? dy.data() + row * H
                                : (t == T_ - 1 ? dy.data() + int64_t(b0) * H : nullptr);
                // dG[t] and dc[t-1] from dh[t] = dy[t] + dh_next and dc[t]   (eq. 7-12)
                // dh[t-1] = dG[t] . W_hh: [n, 4H] x [4H, H]                  (eq. 13)
                // (dx[t] = dG[t] . W_ih: [n, 4H] x [4H, I], when fused)      (eq. 17)
                be().lstm_step_backward(n, I_, H, k.gates.data() + row * G, k.c.data() + row * H,
                                        k.c.data() + (row + B) * H, dy_t, dh, dc, k.dgates.data() + row * G,
                                        fused_dx ? dx->data() + row * I_ : nullptr, I_, k.weights);
            }
        });
        k.dh0 = k.dh.share();  // valid until the next backward
        k.dc0 = k.dc.share();

        // Whole-sequence GEMMs over all T*B rows.
        const int rows = T_ * B;
        // dW_ih += dG^T . X: [4H, TB] x [TB, I]   (eq. 14)
        be().gemm(Trans::yes, Trans::no, G, I_, rows, T(1), k.dgates.data(), G, k.x.data(), I_,
                  T(1), dW_ih_, I_);
        // dW_hh += dG^T . H[0..T-1]: [4H, TB] x [TB, H]   (eq. 15)
        be().gemm(Trans::yes, Trans::no, G, H, rows, T(1), k.dgates.data(), G, k.h.data(), H,
                  T(1), dW_hh_, H);
        // db += column sums of dG   (eq. 16)
        be().accumulate_column_sum(k.dgates.data(), rows, G, db_);
        // dX = dG . W_ih: [TB, 4H] x [4H, I]   (eq. 17), unless done in the steps
        if (dx && !fused_dx)
            be().gemm(Trans::no, Trans::no, rows, I_, G, T(1), k.dgates.data(), G, W_ih_, I_, T(0), dx->data(), I_);
    }

    // One step for generation: x [B, I], h and c [B, H] updated in place;
    // gates [B, 4H] is scratch. Equals forward() sliced at t.
    void step(const T* x, int B, T* h, T* c, T* gates) {
        const int G = 4 * H_;
        be().gemm(Trans::no, Trans::yes, B, G, I_, T(1), x, I_, W_ih_, I_, T(0), gates, G);
        be().gemm(Trans::no, Trans::yes, B, G, H_, T(1), h, H_, W_hh_, H_, T(1), gates, G);
        // c_prev and c may alias: each element reads its c_prev before writing c.
        be().lstm_forward_pointwise(B, H_, gates, b_, c, c, h);
    }

    void reset_state() override {
        carried_h_ = Tensor<T>();
        carried_c_ = Tensor<T>();
    }
    std::vector<Tensor<T>*> carried_state() override { return {&carried_h_, &carried_c_}; }

    // Parameter pointers (backend memory), for tests and tools.
    T* W_ih() const { return W_ih_; }
    T* W_hh() const { return W_hh_; }
    T* bias() const { return b_; }

private:
    using Layer<T>::be;

    void load_initial_state(LstmCache<T>& k, int B) {
        const int64_t n = int64_t(B) * H_;
        const Tensor<T>* h0 = &k.h0;
        const Tensor<T>* c0 = &k.c0;
        if (opt_.stateful && h0->empty() && carried_h_.numel() == n) {
            h0 = &carried_h_;
            c0 = &carried_c_;
        }
        if (!h0->empty()) {
            h0->expect_shape({B, H_}, "LSTM initial state h0");
            be().copy(h0->data(), k.h.data(), n);
        } else {
            be().fill(k.h.data(), n, T(0));
        }
        if (!c0->empty()) {
            c0->expect_shape({B, H_}, "LSTM initial state c0");
            be().copy(c0->data(), k.c.data(), n);
        } else {
            be().fill(k.c.data(), n, T(0));
        }
    }

    Options opt_;
    int I_ = 0, H_ = 0;
    T *W_ih_ = nullptr, *W_hh_ = nullptr, *b_ = nullptr;
    T *dW_ih_ = nullptr, *dW_hh_ = nullptr, *db_ = nullptr;
    Tensor<T> carried_h_, carried_c_;
};

}  // namespace cadenza
