// cadenza/layers/embedding.hpp: token ids to learned vectors.
//
// Input: a sequence of token ids [T, B, 1] (ids stored as T, exact below 2^24).
// Output: [T, B, D]. Table [V, D], initialised U(-0.05, 0.05) as Keras does.
// Backward: dtable[id] += dy row by row in order (deterministic); ids get no gradient.
#pragma once

#include "cadenza/layers/init.hpp"
#include "cadenza/layers/layer.hpp"

namespace cadenza {

template <class T>
struct EmbeddingCache : LayerCache<T> {
    TensorView<const T> ids;  // [T, B, 1] the input ids (borrowed: the caller keeps them until backward)
};

template <class T>
class Embedding final : public Layer<T> {
public:
    Embedding(int vocabulary, int dim) : V_(vocabulary), D_(dim) {
        CADENZA_CHECK(vocabulary > 0 && dim > 0, "Embedding needs a positive vocabulary and dim");
    }
    std::string kind() const override { return "Embedding"; }
    LayerConfig config() const override {
        return {{"input_dim", std::to_string(V_)}, {"output_dim", std::to_string(D_)}};
    }

    Shape build(const Shape& in) override {
        CADENZA_CHECK(in.rank() == 2 && in[1] == 1,
                      "Embedding needs a sequence of ids (per-sample shape {T, 1}), got ", in.str());
        this->input_shape_ = in;
        this->output_shape_ = Shape{in[0], D_};
        return this->output_shape_;
    }
    int64_t parameter_count() const override { return int64_t(V_) * D_; }
    void bind(T* p, T* g) override {
        table_ = p;
        dtable_ = g;
    }
    void initialize(T* w, uint64_t seed) const override {
        RandomSequence rng(seed, RandomStream::init, 0, this->index_);
        init::uniform(w, int64_t(V_) * D_, -0.05, 0.05, rng);
    }
    std::unique_ptr<LayerCache<T>> make_cache() const override {
        return std::make_unique<EmbeddingCache<T>>();
    }

    const Tensor<T>& forward(const Tensor<T>& x, LayerCache<T>& base,
                             const ForwardContext&) override {
        auto& k = static_cast<EmbeddingCache<T>&>(base);
        CADENZA_CHECK(x.rank() == 3 && x.dim(2) == 1, "Embedding input must be [T, B, 1], got ",
                      x.shape().str());
        if (x.device() == Device::host)
            for (int64_t r = 0; r < x.numel(); ++r)
                CADENZA_CHECK(x[r] >= 0 && x[r] < V_ && x[r] == T(int64_t(x[r])),
                              "Embedding: token id ", x[r], " at row ", r,
                              " is not an integer in [0, ", V_, ")");
        k.ids = x.view();
        this->ensure(k.y, {x.dim(0), x.dim(1), D_});
        this->be().embedding_forward(x.data(), x.numel(), table_, D_, k.y.data());
        return k.y;
    }
    void backward(const Tensor<T>& dy, LayerCache<T>& base, Tensor<T>* dx) override {
        auto& k = static_cast<EmbeddingCache<T>&>(base);
        this->be().embedding_backward(k.ids.data(), k.ids.numel(), dy.data(), D_, dtable_);
        if (dx) {  // ids are not differentiable: their gradient is zero
            this->ensure(*dx, k.ids.shape());
            this->be().fill(dx->data(), dx->numel(), T(0));
        }
    }

private:
    int V_, D_;
    T *table_ = nullptr, *dtable_ = nullptr;
};

}  // namespace cadenza
