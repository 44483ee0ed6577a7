// cadenza/layers/dropout.hpp: inverted dropout; the identity in inference.
//
// Training: y = x * m, m = 0 with probability p, else 1/(1-p), so E[y] = x and
// inference needs no rescaling. The mask comes from random_bits(seed, dropout,
// step, layer, element): the same on every backend, and a resumed run draws the
// masks it would have drawn.
#pragma once

#include <string>

#include "cadenza/layers/layer.hpp"

namespace cadenza {

template <class T>
struct DropoutCache : LayerCache<T> {
    Tensor<T> mask;  // like x: 0 or 1/(1-p)
    Tensor<T> out;   // like x: the training output's own memory (y points here or at x)
    bool active = false;
};

template <class T>
class Dropout final : public Layer<T> {
public:
    explicit Dropout(double rate) : p_(rate) {
        CADENZA_CHECK(rate >= 0.0 && rate < 1.0, "Dropout rate must be in [0, 1), got ", rate);
    }
    std::string kind() const override { return "Dropout"; }
    LayerConfig config() const override { return {{"rate", std::to_string(p_)}}; }
    double rate() const { return p_; }

    Shape build(const Shape& in) override {
        this->input_shape_ = this->output_shape_ = in;
        return in;
    }
    std::unique_ptr<LayerCache<T>> make_cache() const override {
        return std::make_unique<DropoutCache<T>>();
    }

    const Tensor<T>& forward(const Tensor<T>& x, LayerCache<T>& base,
                             const ForwardContext& ctx) override {
        auto& k = static_cast<DropoutCache<T>&>(base);
        k.active = ctx.mode == Mode::train && p_ > 0.0;
        if (!k.active) {
            return x;  // the input itself: nothing to do
        }
        this->ensure(k.mask, x.shape());
        // Into memory of our own: y may still point at an input of an earlier
        // inference pass, which belongs to the layer before.
        this->ensure(k.out, x.shape());
        make_mask(k.mask, x, ctx);
        this->be().multiply(x.data(), k.mask.data(), k.out.data(), x.numel());
        k.y = k.out.share();
        return k.y;
    }

    void backward(const Tensor<T>& dy, LayerCache<T>& base, Tensor<T>* dx) override {
        auto& k = static_cast<DropoutCache<T>&>(base);
        if (!dx) return;
        this->ensure(*dx, dy.shape());
        if (k.active) this->be().multiply(dy.data(), k.mask.data(), dx->data(), dy.numel());
        else this->be().copy(dy.data(), dx->data(), dy.numel());
    }

private:
    // Keys by the element's place in the global batch: (t * G + row) * F + f
    // for a sequence [T, B, F], row * F + f for vectors [B, F], where row is
    // the global row (ctx.row_offset + b) and G the global batch's rows. For
    // a whole batch (the usual case) that is the element's own index.
    void make_mask(Tensor<T>& mask, const Tensor<T>& x, const ForwardContext& ctx) {
        const bool seq = x.rank() == 3;
        const int64_t B = seq ? x.dim(1) : x.dim(0), F = x.shape().back(), steps = seq ? x.dim(0) : 1;
        const int64_t G = ctx.global_rows > 0 ? ctx.global_rows : B;
        CADENZA_CHECK(ctx.row_offset >= 0 && ctx.row_offset + B <= G, "Dropout: rows [", ctx.row_offset, ", ",
                      ctx.row_offset + B, ") outside a global batch of ", G);
        if (G == B) {
            this->be().dropout_mask(mask.data(), x.numel(), T(p_), ctx.seed, ctx.step, this->index_);
            return;
        }
        for (int64_t t = 0; t < steps; ++t)
            this->be().dropout_mask(mask.data() + t * B * F, B * F, T(p_), ctx.seed, ctx.step, this->index_,
                                    uint64_t((t * G + ctx.row_offset) * F));
    }

    double p_;
};

}  // namespace cadenza
