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
        this->be().dropout_mask(k.mask.data(), x.numel(), T(p_), ctx.seed, ctx.step, this->index_);
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
    double p_;
};

}  // namespace cadenza
