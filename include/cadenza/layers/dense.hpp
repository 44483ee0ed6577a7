// cadenza/layers/dense.hpp: a fully connected layer, y = x . W^T + b.
//
// Parameters: W [out, in] (PyTorch's layout; Keras's kernel transposed), b [out].
// Glorot-uniform W, zero b. Works on vectors [B, in] and on every step of a
// sequence [T, B, in] alike: the leading axes are just rows.
#pragma once

#include "cadenza/layers/init.hpp"
#include "cadenza/layers/layer.hpp"

namespace cadenza {

template <class T>
struct DenseCache : LayerCache<T> {
    TensorView<const T> x;  // [rows, in] the input (borrowed: the caller keeps it until backward)
};

template <class T>
class Dense final : public Layer<T> {
public:
    explicit Dense(int units) : out_(units) {
        CADENZA_CHECK(units > 0, "Dense units must be positive, got ", units);
    }

    std::string kind() const override { return "Dense"; }
    LayerConfig config() const override { return {{"units", std::to_string(out_)}}; }
    int units() const { return out_; }

    Shape build(const Shape& in) override {
        CADENZA_CHECK(in.rank() >= 1, "Dense needs an input with features");
        in_ = static_cast<int>(in.back());
        this->input_shape_ = in;
        Shape out = in;
        out[in.rank() - 1] = out_;
        this->output_shape_ = out;
        return out;
    }
    int64_t parameter_count() const override { return int64_t(out_) * in_ + out_; }
    void bind(T* p, T* g) override {
        W_ = p;
        b_ = p + int64_t(out_) * in_;
        dW_ = g;
        db_ = g + int64_t(out_) * in_;
    }
    void initialize(T* w, uint64_t seed) const override {
        RandomSequence rng(seed, RandomStream::init, 0, this->index_);
        init::glorot_uniform(w, int64_t(out_) * in_, in_, out_, rng);
        for (int k = 0; k < out_; ++k) w[int64_t(out_) * in_ + k] = T(0);
    }
    std::unique_ptr<LayerCache<T>> make_cache() const override {
        return std::make_unique<DenseCache<T>>();
    }

    // x: [..., in] -> y: [..., out]
    const Tensor<T>& forward(const Tensor<T>& x, LayerCache<T>& base,
                             const ForwardContext&) override {
        auto& k = static_cast<DenseCache<T>&>(base);
        CADENZA_CHECK(x.rank() >= 2 && x.shape().back() == in_, "Dense input must end in ", in_,
                      " features, got ", x.shape().str());
        const int64_t rows = rows_of(x);
        k.x = x.view();
        Shape ys = x.shape();
        ys[ys.rank() - 1] = out_;
        this->ensure(k.y, ys);
        // y = x . W^T: [rows, in] x [in, out]; then + b on every row.
        this->be().gemm(Trans::no, Trans::yes, int(rows), out_, in_, T(1), x.data(), in_, W_, in_,
                        T(0), k.y.data(), out_);
        this->be().add_row_vector(k.y.data(), b_, rows, out_);
        return k.y;
    }

    void backward(const Tensor<T>& dy, LayerCache<T>& base, Tensor<T>* dx) override {
        auto& k = static_cast<DenseCache<T>&>(base);
        dy.expect_shape(k.y.shape(), "Dense output gradient");
        const int64_t rows = rows_of(dy);
        // dW += dy^T . x: [out, rows] x [rows, in]
        this->be().gemm(Trans::yes, Trans::no, out_, in_, int(rows), T(1), dy.data(), out_,
                        k.x.data(), in_, T(1), dW_, in_);
        // db += column sums of dy
        this->be().accumulate_column_sum(dy.data(), rows, out_, db_);
        // dx = dy . W: [rows, out] x [out, in]
        if (dx) {
            this->ensure(*dx, k.x.shape());
            this->be().gemm(Trans::no, Trans::no, int(rows), in_, out_, T(1), dy.data(), out_, W_,
                            in_, T(0), dx->data(), in_);
        }
    }

    T* weight() const { return W_; }
    T* bias() const { return b_; }

private:
    int out_ = 0, in_ = 0;
    T *W_ = nullptr, *b_ = nullptr, *dW_ = nullptr, *db_ = nullptr;
};

}  // namespace cadenza
