// cadenza/optim/rmsprop.hpp: RMSprop as torch.optim.RMSprop defines it
// (kernels/rmsprop.hpp), with optional gradient clipping by global norm.
//
// Defaults are PyTorch's (lr 1e-2, alpha 0.99, eps 1e-8). Keras's RMSprop, which
// the paper's kind of Keras code uses, is the same update with lr 1e-3,
// rho (alpha) 0.9 and eps 1e-7: RmspropOptions::keras() gives those.
#pragma once

#include "cadenza/kernels/rmsprop.hpp"
#include "cadenza/optim/optimizer.hpp"

namespace cadenza {

struct RmspropOptions {
    double lr = 1e-2;
    double alpha = 0.99;
    double eps = 1e-8;
    double weight_decay = 0.0;  // L2, added to the gradient (PyTorch's RMSprop)
    double momentum = 0.0;
    bool centered = false;
    double clip_norm = 0.0;  // 0: no clipping

    static RmspropOptions keras() { return {1e-3, 0.9, 1e-7, 0.0, 0.0, false, 0.0}; }
};

template <class T>
class Rmsprop final : public Optimizer<T> {
public:
    explicit Rmsprop(RmspropOptions o = {}) : opt_(o) {
        CADENZA_CHECK(o.lr > 0, "RMSprop learning rate must be positive, got ", o.lr);
        CADENZA_CHECK(o.alpha >= 0 && o.alpha < 1 && o.eps > 0 && o.weight_decay >= 0 && o.momentum >= 0 &&
                          o.clip_norm >= 0,
                      "RMSprop needs 0 <= alpha < 1, eps > 0, weight_decay >= 0, momentum >= 0 and clip_norm >= 0");
    }
    static RmspropOptions options_from(const OptimizerSettings& s) {
        expect_settings(s, {"lr", "alpha", "eps", "weight_decay", "momentum", "centered", "clip_norm"}, "RMSprop");
        RmspropOptions d;
        return {setting(s, "lr", d.lr),       setting(s, "alpha", d.alpha),         setting(s, "eps", d.eps),
                setting(s, "weight_decay", d.weight_decay), setting(s, "momentum", d.momentum),
                setting(s, "centered", 0) != 0, setting(s, "clip_norm", d.clip_norm)};
    }
    std::string kind() const override { return "RMSprop"; }
    OptimizerSettings settings() const override {
        return {{"lr", opt_.lr},
                {"alpha", opt_.alpha},
                {"eps", opt_.eps},
                {"weight_decay", opt_.weight_decay},
                {"momentum", opt_.momentum},
                {"centered", opt_.centered ? 1.0 : 0.0},
                {"clip_norm", opt_.clip_norm}};
    }
    double learning_rate() const override { return opt_.lr; }
    void set_learning_rate(double lr) override {
        CADENZA_CHECK(lr > 0, "RMSprop learning rate must be positive, got ", lr);
        opt_.lr = lr;
    }
    void prepare(Backend<T>& be, int64_t n) override {
        v_ = be.zeros({n});
        avg_g_ = opt_.centered ? be.zeros({n}) : Tensor<T>();
        buf_ = opt_.momentum > 0 ? be.zeros({n}) : Tensor<T>();
    }
    void step(Backend<T>& be, T* params, const T* grads, int64_t n) override {
        this->expect_prepared(v_, n);
        const double scale = this->clip_scale(be, grads, n, opt_.clip_norm);
        kernels::RmspropStepConstants<T> k{T(opt_.lr),       T(opt_.alpha), T(opt_.eps), T(opt_.weight_decay),
                                           T(opt_.momentum), T(scale),      opt_.centered};
        be.rmsprop_update(params, grads, v_.data(), opt_.centered ? avg_g_.data() : nullptr,
                          opt_.momentum > 0 ? buf_.data() : nullptr, n, k);
        ++this->t_;
    }
    std::vector<std::pair<std::string, Tensor<T>*>> state() override {
        std::vector<std::pair<std::string, Tensor<T>*>> s{{"square_avg", &v_}};
        if (opt_.centered) s.push_back({"grad_avg", &avg_g_});
        if (opt_.momentum > 0) s.push_back({"momentum_buffer", &buf_});
        return s;
    }

private:
    RmspropOptions opt_;
    Tensor<T> v_, avg_g_, buf_;
};

}  // namespace cadenza
