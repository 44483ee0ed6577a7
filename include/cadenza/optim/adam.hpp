// cadenza/optim/adam.hpp: Adam and AdamW (PyTorch's definitions, Keras's
// defaults for Adam) with optional gradient clipping by global norm.
//
// Adam's defaults: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-7 (Keras). The update
// is kernels/adam.hpp's, with eps added to sqrt of the bias-corrected second
// moment. Weight decay here is always DECOUPLED (torch.optim.AdamW): every step
// also multiplies each weight by 1 - lr * weight_decay. AdamW is Adam with
// PyTorch's AdamW defaults (weight decay 0.01, eps 1e-8) under its own name.
// Clipping, when clip_norm > 0: g <- g * min(1, clip_norm / (||g||_2 + 1e-6)).
#pragma once

#include "cadenza/kernels/adam.hpp"
#include "cadenza/optim/optimizer.hpp"

namespace cadenza {

struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-7;
    double clip_norm = 0.0;  // 0: no clipping
    // Decoupled weight decay (AdamW, Loshchilov & Hutter). 0: plain Adam.
    double weight_decay = 0.0;
};

template <class T>
class Adam : public Optimizer<T> {
public:
    explicit Adam(AdamOptions o = {}) : opt_(o) {
        CADENZA_CHECK(o.lr > 0, "Adam learning rate must be positive, got ", o.lr);
        CADENZA_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, "Adam betas must be in [0, 1)");
        CADENZA_CHECK(o.eps > 0 && o.clip_norm >= 0, "Adam needs eps > 0 and clip_norm >= 0");
        CADENZA_CHECK(o.weight_decay >= 0 && o.lr * o.weight_decay < 1,
                      "Adam weight decay must be >= 0 with lr * weight_decay < 1, got ", o.weight_decay);
    }
    // From a checkpoint's settings; absent ones take AdamOptions' defaults
    // (version-1 files have no weight_decay).
    static AdamOptions options_from(const OptimizerSettings& s, AdamOptions d = {}) {
        expect_settings(s, {"lr", "beta1", "beta2", "eps", "clip_norm", "weight_decay"}, "Adam");
        return {setting(s, "lr", d.lr),         setting(s, "beta1", d.beta1),         setting(s, "beta2", d.beta2),
                setting(s, "eps", d.eps),       setting(s, "clip_norm", d.clip_norm), setting(s, "weight_decay", d.weight_decay)};
    }
    std::string kind() const override { return "Adam"; }
    OptimizerSettings settings() const override {
        return {{"lr", opt_.lr}, {"beta1", opt_.beta1}, {"beta2", opt_.beta2}, {"eps", opt_.eps},
                {"clip_norm", opt_.clip_norm}, {"weight_decay", opt_.weight_decay}};
    }
    double learning_rate() const override { return opt_.lr; }
    void set_learning_rate(double lr) override {
        CADENZA_CHECK(lr > 0 && lr * opt_.weight_decay < 1, kind(), " learning rate must be positive (and lr * "
                      "weight_decay < 1), got ", lr);
        opt_.lr = lr;
    }
    const AdamOptions& options() const { return opt_; }

    void prepare(Backend<T>& be, int64_t n) override {
        m_ = be.zeros({n});
        v_ = be.zeros({n});
    }

    void step(Backend<T>& be, T* params, const T* grads, int64_t n) override {
        this->expect_prepared(m_, n);
        const double scale = this->clip_scale(be, grads, n, opt_.clip_norm);
        ++this->t_;
        auto k = kernels::adam_constants<T>(opt_.lr, opt_.beta1, opt_.beta2, opt_.eps, this->t_, scale,
                                            opt_.weight_decay);
        be.adam_update(params, grads, m_.data(), v_.data(), n, k);
    }

    std::vector<std::pair<std::string, Tensor<T>*>> state() override { return {{"m", &m_}, {"v", &v_}}; }

private:
    AdamOptions opt_;
    Tensor<T> m_, v_;
};

// PyTorch's AdamW defaults: lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01.
inline AdamOptions adamw_defaults() { return {1e-3, 0.9, 0.999, 1e-8, 0.0, 0.01}; }

template <class T>
class AdamW final : public Adam<T> {
public:
    explicit AdamW(AdamOptions o = adamw_defaults()) : Adam<T>(o) {}
    std::string kind() const override { return "AdamW"; }
};

}  // namespace cadenza
