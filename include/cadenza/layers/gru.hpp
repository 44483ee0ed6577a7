// cadenza/layers/gru.hpp: the GRU layer, forward and hand-written BPTT side by side.
//
// PyTorch's GRU (torch.nn.GRU; Keras's GRU with reset_after=True): gate order
// r, z, n, and the reset gate applied AFTER the recurrent projection and its
// bias, n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)). Two biases, as
// PyTorch keeps them, because b_hn sits inside the reset gate's product.
// Parameters, in the flat buffer in this order:
//   W_ih [3H, I], W_hh [3H, H], b_ih [3H], b_hh [3H]
// Initialisation as Keras: W_ih glorot-uniform, W_hh orthogonal, biases zero.
//
// Forward (docs/bptt.md derives it; eq. numbers refer there):
//   Gi = X . W_ih^T + b_ih                       one GEMM over all T*B rows, or in
//                                                each step where the backend fuses it
//   for t: Gh[t] = h[t-1] . W_hh^T                the recurrent GEMM
//          pointwise: r, z, m, n, h[t]            (eq. 18-22)
//   (Backend::gru_step_forward runs each step.)
// Backward (Backend::gru_step_backward runs each step):
//   for t = T-1 .. 0: pointwise backward -> dGi[t], dGh[t]     (eq. 23-27)
//                     dh[t-1] = dh[t] * z + dGh[t] . W_hh      (eq. 28)
//   after the loop, whole-sequence GEMMs:
//     dW_ih += dGi^T . X, dW_hh += dGh^T . H[0..T-1], db_ih += colsum(dGi),
//     db_hh += colsum(dGh), dX = dGi . W_ih                    (eq. 29-32)
#pragma once

#include <string>

#include "cadenza/layers/init.hpp"
#include "cadenza/layers/layer.hpp"

namespace cadenza {

template <class T>
struct GruCache : LayerCache<T> {
    TensorView<const T> x;  // [T, B, I] the input (borrowed: the caller keeps it until backward)
    Tensor<T> gi;         // [T, B, 3H] x . W_ih^T + b_ih
    Tensor<T> gates;      // [T, B, 4H] r, z, n, m at each step (m = h W_hn^T + b_hn)
    Tensor<T> h;          // [T+1, B, H] h[0] = h0, h[t+1] = output at step t
    Tensor<T> dgi, dgh;   // [T, B, 3H] the backward's gradients of Gi and Gh
    Tensor<T> dh;         // [B, H] the backward's running gradient
    RecurrentWeights<T> forward_weights;  // W_hh^T (and W_ih^T when fused) for the forward's steps
    FixedRhs<T> w_hh;     // W_hh prepared for the backward's products (backend's layout)
    // Optional state in: set h0 ([B, H]) before forward; empty means zeros.
    Tensor<T> h0;
    // Optional gradient of the final state ([B, H]) in; empty means zero.
    Tensor<T> dh_final;
    // After backward: dL/dh0 ([B, H]).
    Tensor<T> dh0;

    // The final state after forward: h[T] as a [B, H] view.
    Tensor<T> final_h() { return h(h.dim(0) - 1); }
};

template <class T>
class Gru final : public Layer<T> {
public:
    struct Options {
        int units = 128;
        bool return_sequences = true;  // else only the last step's output [B, H]
        bool stateful = false;         // carry the final state into the next forward
    };

    explicit Gru(Options o) : opt_(o) { CADENZA_CHECK(o.units > 0, "GRU units must be positive, got ", o.units); }
    explicit Gru(int units, bool return_sequences = true) : Gru(Options{units, return_sequences, false}) {}

    std::string kind() const override { return "GRU"; }
    LayerConfig config() const override {
        return {{"units", std::to_string(opt_.units)},
                {"return_sequences", opt_.return_sequences ? "1" : "0"},
                {"stateful", opt_.stateful ? "1" : "0"}};
    }
    int units() const { return opt_.units; }

    Shape build(const Shape& in) override {
        CADENZA_CHECK(in.rank() == 2, "GRU needs sequences (per-sample shape {T, F}), got ", in.str());
        I_ = static_cast<int>(in[1]);
        H_ = opt_.units;
        this->input_shape_ = in;
        this->output_shape_ = opt_.return_sequences ? Shape{in[0], H_} : Shape{H_};
        return this->output_shape_;
    }
    int64_t parameter_count() const override { return 3LL * H_ * I_ + 3LL * H_ * H_ + 6LL * H_; }
    void bind(T* p, T* g) override {
        W_ih_ = p;
        W_hh_ = p + 3LL * H_ * I_;
        b_ih_ = W_hh_ + 3LL * H_ * H_;
        b_hh_ = b_ih_ + 3LL * H_;
        dW_ih_ = g;
        dW_hh_ = g + 3LL * H_ * I_;
        db_ih_ = dW_hh_ + 3LL * H_ * H_;
        db_hh_ = db_ih_ + 3LL * H_;
    }
    void initialize(T* w, uint64_t seed) const override {
        RandomSequence rng(seed, RandomStream::init, 0, this->index_);
        init::glorot_uniform(w, 3LL * H_ * I_, I_, 3LL * H_, rng);
        init::orthogonal(w + 3LL * H_ * I_, 3LL * H_, H_, rng);
        T* b = w + 3LL * H_ * I_ + 3LL * H_ * H_;
        for (int k = 0; k < 6 * H_; ++k) b[k] = T(0);
    }

    std::unique_ptr<LayerCache<T>> make_cache() const override { return std::make_unique<GruCache<T>>(); }

    // x: [T, B, I] -> y: [T, B, H] (return_sequences) or [B, H].
    const Tensor<T>& forward(const Tensor<T>& x, LayerCache<T>& base, const ForwardContext&) override {
        auto& k = static_cast<GruCache<T>&>(base);
        CADENZA_CHECK(x.rank() == 3 && x.dim(2) == I_, "GRU input must be [T, B, ", I_, "], got ", x.shape().str());
        const int T_ = static_cast<int>(x.dim(0)), B = static_cast<int>(x.dim(1)), H = H_;
        const int G = 3 * H;
        k.x = x.view();
        this->ensure(k.gi, {T_, B, G});
        this->ensure(k.gates, {T_, B, 4 * H});
        this->ensure(k.h, {T_ + 1, B, H});
        load_initial_state(k, B);

        if (!be().fuses_input_projection(I_, H)) {
            // Gi = X . W_ih^T + b_ih: [T*B, I] x [I, 3H], every step at once.
            be().gemm(Trans::no, Trans::yes, T_ * B, G, I_, T(1), x.data(), I_, W_ih_, I_, T(0), k.gi.data(), G);
            be().add_row_vector(k.gi.data(), b_ih_, int64_t(T_) * B, G);
        }
        // W_hh^T [H, 3H] (and W_ih^T [I, 3H]), prepared once for every step's products.
        be().prepare_gru_forward(I_, H, W_ih_, W_hh_, T_ * B, k.forward_weights);
        be().for_each_batch_slice(B, [&](int b0, int b1) {
            const int n = b1 - b0;
            for (int t = 0; t < T_; ++t) {
                const int64_t row = int64_t(t) * B + b0;  // first row of the slice at step t
                // Gh[t] = h[t-1] . W_hh^T (and Gi[t]), then r, z, n, m and h[t]   (eq. 18-22)
                be().gru_step_forward(n, I_, H, x.data() + row * I_, I_, k.h.data() + row * H, k.forward_weights,
                                      b_ih_, b_hh_, k.gi.data() + row * G, k.gates.data() + row * 4 * H,
                                      k.h.data() + (row + B) * H);
            }
        });
        if (opt_.stateful) {
            this->ensure(carried_h_, {B, H});
            be().copy(k.h.data() + int64_t(T_) * B * H, carried_h_.data(), int64_t(B) * H);
        }
        k.y = opt_.return_sequences ? k.h.slice(1, T_ + 1) : k.h(T_);
        return k.y;
    }

    // dy: [T, B, H] or [B, H] -> dx: [T, B, I] (overwritten); dW, db accumulated.
    void backward(const Tensor<T>& dy, LayerCache<T>& base, Tensor<T>* dx) override {
        auto& k = static_cast<GruCache<T>&>(base);
        const int T_ = static_cast<int>(k.x.dim(0)), B = static_cast<int>(k.x.dim(1)), H = H_;
        const int G = 3 * H;
        dy.expect_shape(k.y.shape(), "GRU output gradient");
        this->ensure(k.dgi, {T_, B, G});
        this->ensure(k.dgh, {T_, B, G});
        this->ensure(k.dh, {B, H});
        if (!k.dh_final.empty()) be().copy(k.dh_final.data(), k.dh.data(), int64_t(B) * H);
        else be().fill(k.dh.data(), int64_t(B) * H, T(0));

        // W_hh [3H, H], prepared once for every step's product.
        be().prepare_rhs(Trans::no, G, H, W_hh_, H, T_ * B, k.w_hh);
        be().for_each_batch_slice(B, [&](int b0, int b1) {
            const int n = b1 - b0;
            T* dh = k.dh.data() + int64_t(b0) * H;
            for (int t = T_ - 1; t >= 0; --t) {
                const int64_t row = int64_t(t) * B + b0;
                const T* dy_t = opt_.return_sequences ? dy.data() + row * H
                                : (t == T_ - 1 ? dy.data() + int64_t(b0) * H : nullptr);
                // dGi[t], dGh[t]; dh[t-1] = dh * z + dGh[t] . W_hh: [n, 3H] x [3H, H]   (eq. 23-28)
                be().gru_step_backward(n, H, k.gates.data() + row * 4 * H, k.h.data() + row * H, dy_t, dh,
                                       k.dgi.data() + row * G, k.dgh.data() + row * G, k.w_hh);
            }
        });
        k.dh0 = k.dh.share();  // valid until the next backward

        const int rows = T_ * B;
        // dW_ih += dGi^T . X: [3H, TB] x [TB, I]   (eq. 29)
        be().gemm(Trans::yes, Trans::no, G, I_, rows, T(1), k.dgi.data(), G, k.x.data(), I_, T(1), dW_ih_, I_);
        // dW_hh += dGh^T . H[0..T-1]: [3H, TB] x [TB, H]   (eq. 30)
        be().gemm(Trans::yes, Trans::no, G, H, rows, T(1), k.dgh.data(), G, k.h.data(), H, T(1), dW_hh_, H);
        // db_ih += column sums of dGi, db_hh += column sums of dGh   (eq. 31)
        be().accumulate_column_sum(k.dgi.data(), rows, G, db_ih_);
        be().accumulate_column_sum(k.dgh.data(), rows, G, db_hh_);
        // dX = dGi . W_ih: [TB, 3H] x [3H, I]   (eq. 32)
        if (dx) {
            this->ensure(*dx, k.x.shape());
            be().gemm(Trans::no, Trans::no, rows, I_, G, T(1), k.dgi.data(), G, W_ih_, I_, T(0), dx->data(), I_);
        }
    }

    void reset_state() override { carried_h_ = Tensor<T>(); }
    std::vector<Tensor<T>*> carried_state() override { return {&carried_h_}; }

    // Parameter pointers (backend memory), for tests and tools.
    T* W_ih() const { return W_ih_; }
    T* W_hh() const { return W_hh_; }
    T* b_ih() const { return b_ih_; }
    T* b_hh() const { return b_hh_; }

private:
    using Layer<T>::be;

    void load_initial_state(GruCache<T>& k, int B) {
        const int64_t n = int64_t(B) * H_;
        const Tensor<T>* h0 = &k.h0;
        if (opt_.stateful && h0->empty() && carried_h_.numel() == n) h0 = &carried_h_;
        if (!h0->empty()) {
            h0->expect_shape({B, H_}, "GRU initial state h0");
            be().copy(h0->data(), k.h.data(), n);
        } else {
            be().fill(k.h.data(), n, T(0));
        }
    }

    Options opt_;
    int I_ = 0, H_ = 0;
    T *W_ih_ = nullptr, *W_hh_ = nullptr, *b_ih_ = nullptr, *b_hh_ = nullptr;
    T *dW_ih_ = nullptr, *dW_hh_ = nullptr, *db_ih_ = nullptr, *db_hh_ = nullptr;
    Tensor<T> carried_h_;
};

}  // namespace cadenza
