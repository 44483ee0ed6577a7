// cadenza/layers/flatten.hpp: a sequence [T, B, F] to vectors [B, T*F], as Keras does.
//
// Keras flattens each sample's (T, F) row-major, so feature t*F + f is step t's
// feature f. Our sequences are time-major, so this is a swap of the two leading
// axes ([T, B, F] -> [B, T, F]), which the backward swaps back.
#pragma once

#include "cadenza/layers/layer.hpp"

namespace cadenza {

template <class T>
struct FlattenCache : LayerCache<T> {
    Tensor<T> out;  // [B, T*F]: the output's own memory (y points here, or at a rank-2 input)
};

template <class T>
class Flatten final : public Layer<T> {
public:
    std::string kind() const override { return "Flatten"; }
    LayerConfig config() const override { return {}; }

    Shape build(const Shape& in) override {
        this->input_shape_ = in;
        this->output_shape_ = Shape{in.numel()};
        return this->output_shape_;
    }

    std::unique_ptr<LayerCache<T>> make_cache() const override { return std::make_unique<FlattenCache<T>>(); }

    const Tensor<T>& forward(const Tensor<T>& x, LayerCache<T>& base, const ForwardContext&) override {
        auto& k = static_cast<FlattenCache<T>&>(base);
        if (x.rank() == 2) {  // already [B, F]
            return x;  // the input itself: nothing to do
        }
        CADENZA_CHECK(x.rank() == 3, "Flatten input must be [T, B, F], got ", x.shape().str());
        const int64_t T_ = x.dim(0), B = x.dim(1), F = x.dim(2);
        this->ensure(k.out, {B, T_ * F});  // our own memory, never the shared input of an earlier call
        this->be().swap_leading_axes(x.data(), k.out.data(), T_, B, F);
        k.y = k.out.share();
        return k.y;
    }

    void backward(const Tensor<T>& dy, LayerCache<T>&, Tensor<T>* dx) override {
        if (!dx) return;
        const Shape& in = this->input_shape_;
        const int64_t B = dy.dim(0);
        if (in.rank() == 1) {
            this->ensure(*dx, dy.shape());
            this->be().copy(dy.data(), dx->data(), dy.numel());
            return;
        }
        const int64_t T_ = in[0], F = in[1];
        this->ensure(*dx, {T_, B, F});
        this->be().swap_leading_axes(dy.data(), dx->data(), B, T_, F);
    }
};

}  // namespace cadenza
