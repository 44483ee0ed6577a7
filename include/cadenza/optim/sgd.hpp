// cadenza/optim/sgd.hpp: stochastic gradient descent with momentum and
// Nesterov momentum, as torch.optim.SGD defines it (kernels/sgd.hpp), with
// optional gradient clipping by global norm (optim/optimizer.hpp).
//
//   Sgd<float> sgd({/*lr=*/0.1, /*momentum=*/0.9});
#pragma once

#include "cadenza/kernels/sgd.hpp"
#include "cadenza/optim/optimizer.hpp"

namespace cadenza {

struct SgdOptions {
    double lr = 1e-2;
    double momentum = 0.0;
    double dampening = 0.0;
    bool nesterov = false;
    double weight_decay = 0.0;  // L2, added to the gradient (PyTorch's SGD)
    double clip_norm = 0.0;     // 0: no clipping
};

template <class T>
class Sgd final : public Optimizer<T> {
public:
    explicit Sgd(SgdOptions o = {}) : opt_(o) {
        CADENZA_CHECK(o.lr > 0, "SGD learning rate must be positive, got ", o.lr);
        CADENZA_CHECK(o.momentum >= 0 && o.dampening >= 0 && o.dampening <= 1 && o.weight_decay >= 0 &&
                          o.clip_norm >= 0,
                      "SGD needs momentum >= 0, 0 <= dampening <= 1, weight_decay >= 0 and clip_norm >= 0");
        CADENZA_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
                      "Nesterov momentum needs momentum > 0 and dampening 0 (as in PyTorch)");
    }
    static SgdOptions options_from(const OptimizerSettings& s) {
        expect_settings(s, {"lr", "momentum", "dampening", "nesterov", "weight_decay", "clip_norm"}, "SGD");
        SgdOptions d;
        return {setting(s, "lr", d.lr), setting(s, "momentum", d.momentum), setting(s, "dampening", d.dampening),
                setting(s, "nesterov", 0) != 0, setting(s, "weight_decay", d.weight_decay),
                setting(s, "clip_norm", d.clip_norm)};
    }
    std::string kind() const override { return "SGD"; }
    OptimizerSettings settings() const override {
        return {{"lr", opt_.lr},
                {"momentum", opt_.momentum},
                {"dampening", opt_.dampening},
                {"nesterov", opt_.nesterov ? 1.0 : 0.0},
                {"weight_decay", opt_.weight_decay},
                {"clip_norm", opt_.clip_norm}};
    }
    double learning_rate() const override { return opt_.lr; }
    void set_learning_rate(double lr) override {
        CADENZA_CHECK(lr > 0, "SGD learning rate must be positive, got ", lr);
        opt_.lr = lr;
    }
    void prepare(Backend<T>& be, int64_t n) override { buf_ = opt_.momentum > 0 ? be.zeros({n}) : Tensor<T>(); }
    void step(Backend<T>& be, T* params, const T* grads, int64_t n) override {
        if (opt_.momentum > 0) this->expect_prepared(buf_, n);
        const double scale = this->clip_scale(be, grads, n, opt_.clip_norm);
        kernels::SgdStepConstants<T> k{T(opt_.lr),           T(opt_.momentum), T(opt_.dampening),
                                       T(opt_.weight_decay), T(scale),         opt_.nesterov,
                                       this->t_ == 0};
        be.sgd_update(params, grads, opt_.momentum > 0 ? buf_.data() : nullptr, n, k);
        ++this->t_;
    }
    std::vector<std::pair<std::string, Tensor<T>*>> state() override {
        if (opt_.momentum > 0) return {{"momentum_buffer", &buf_}};
        return {};
    }

private:
    SgdOptions opt_;
    Tensor<T> buf_;
};

}  // namespace cadenza
