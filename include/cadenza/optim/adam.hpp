// cadenza/optim/adam.hpp: Adam (PyTorch's definition, Keras's defaults) with
// optional gradient clipping by global norm.
//
// Defaults: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-7 (Keras). The update is
// kernels/adam.hpp's, with eps added to sqrt of the bias-corrected second moment.
// Clipping, when clip_norm > 0: g <- g * min(1, clip_norm / (||g||_2 + 1e-6)),
// ||g|| over all parameters at once (PyTorch's clip_grad_norm_).
#pragma once

#include <algorithm>
#include <cmath>

#include "cadenza/kernels/adam.hpp"
#include "cadenza/optim/optimizer.hpp"

namespace cadenza {

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-7;
    double clip_norm = 0.0;  // 0: no clipping
    // Decoupled weight decay (AdamW, Loshchilov & Hutter): every step also
    // multiplies each weight by 1 - lr * weight_decay. 0: plain Adam.
    double weight_decay = 0.0;
};

template <class T>
class Adam final : public Optimizer<T> {
public:
    explicit Adam(AdamOptions o = {}) : opt_(o) {
        CADENZA_CHECK(o.lr > 0, "Adam learning rate must be positive, got ", o.lr);
        CADENZA_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1,
                      "Adam betas must be in [0, 1)");
        CADENZA_CHECK(o.weight_decay >= 0 && o.lr * o.weight_decay < 1,
                      "Adam weight decay must be >= 0 with lr * weight_decay < 1, got ", o.weight_decay);
    }
    std::string kind() const override { return "Adam"; }
    std::map<std::string, double> settings() const override {
        return {{"lr", opt_.lr}, {"beta1", opt_.beta1}, {"beta2", opt_.beta2}, {"eps", opt_.eps},
                {"clip_norm", opt_.clip_norm}, {"weight_decay", opt_.weight_decay}};
    }
    double learning_rate() const override { return opt_.lr; }
    void set_learning_rate(double lr) override {
        CADENZA_CHECK(lr > 0 && lr * opt_.weight_decay < 1, "Adam learning rate must be positive (and lr * "
                      "weight_decay < 1), got ", lr);
        opt_.lr = lr;
    }
    const AdamOptions& options() const { return opt_; }

    void prepare(Backend<T>& be, int64_t n) override {
        m_ = be.zeros({n});
        v_ = be.zeros({n});
    }

    void step(Backend<T>& be, T* params, const T* grads, int64_t n) override {
        CADENZA_CHECK(m_.numel() == n, "Adam was prepared for ", m_.numel(), " parameters, not ", n);
        ++t_;
        double scale = 1.0;
        last_grad_norm_ = std::sqrt(be.sum_of_squares(grads, n));
        if (opt_.clip_norm > 0) scale = std::min(1.0, opt_.clip_norm / (last_grad_norm_ + 1e-6));
        auto k = kernels::adam_constants<T>(opt_.lr, opt_.beta1, opt_.beta2, opt_.eps, t_, scale,
                                            opt_.weight_decay);
        be.adam_update(params, grads, m_.data(), v_.data(), n, k);
    }

    int64_t steps() const override { return t_; }
    void set_steps(int64_t s) override { t_ = s; }
    double last_grad_norm() const { return last_grad_norm_; }
    std::vector<std::pair<std::string, Tensor<T>*>> state() override {
        return {{"m", &m_}, {"v", &v_}};
    }

private:
    AdamOptions opt_;
    Tensor<T> m_, v_;
    int64_t t_ = 0;
    double last_grad_norm_ = 0;
};

}  // namespace cadenza
