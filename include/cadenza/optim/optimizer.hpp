// cadenza/optim/optimizer.hpp: the optimizer interface over the flat parameter buffer.
//
// All of a model's parameters live in one flat buffer and their gradients in
// another with the same layout, so an optimizer is one loop over n numbers.
// Its state is a list of named tensors plus a step count, and its
// hyper-parameters a list of named numbers: a checkpoint saves both and the
// optimizer registry (optim/registry.hpp) rebuilds it from them, exactly.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "cadenza/backend/backend.hpp"

namespace cadenza {

// Hyper-parameters by name, as a checkpoint stores them (flags as 0 or 1).
using OptimizerSettings = std::map<std::string, double>;

template <class T>
class Optimizer {
public:
    virtual ~Optimizer() = default;
    // The name it is registered under ("Adam", "SGD", ...).
    virtual std::string kind() const = 0;
    // Hyper-parameters, every one the factory reads back.
    virtual OptimizerSettings settings() const = 0;
    // Allocate state for n parameters.
    virtual void prepare(Backend<T>& be, int64_t n) = 0;
    // One update of params from grads (both n long, backend memory).
    virtual void step(Backend<T>& be, T* params, const T* grads, int64_t n) = 0;
    // The learning rate the next step uses; schedules set it (FitOptions).
    virtual double learning_rate() const = 0;
    virtual void set_learning_rate(double lr) = 0;
    // Updates taken so far.
    int64_t steps() const { return t_; }
    void set_steps(int64_t s) { t_ = s; }
    // Named state tensors (backend memory), in a fixed order.
    virtual std::vector<std::pair<std::string, Tensor<T>*>> state() = 0;
    // The gradients' global L2 norm at the last step, before clipping.
    double last_grad_norm() const { return last_grad_norm_; }

protected:
    // The gradient multiplier of global-norm clipping (PyTorch's
    // clip_grad_norm_): min(1, clip_norm / (||g||_2 + 1e-6)), ||g|| over all
    // parameters at once; 1 when clip_norm is 0. Records the norm.
    double clip_scale(Backend<T>& be, const T* grads, int64_t n, double clip_norm) {
        last_grad_norm_ = std::sqrt(be.sum_of_squares(grads, n));
        return clip_norm > 0 ? std::min(1.0, clip_norm / (last_grad_norm_ + 1e-6)) : 1.0;
    }
    // Requires state prepared for n parameters.
    void expect_prepared(const Tensor<T>& s, int64_t n) const {
        CADENZA_CHECK(s.numel() == n, kind(), " was prepared for ", s.numel(), " parameters, not ", n);
    }

    int64_t t_ = 0;
    double last_grad_norm_ = 0;
};

// A setting by name, or its default when the checkpoint (or caller) leaves it out.
inline double setting(const OptimizerSettings& s, const std::string& key, double fallback) {
    auto it = s.find(key);
    return it == s.end() ? fallback : it->second;
}

// Every key of s must be one of `known`: a misspelt or foreign setting is an error.
inline void expect_settings(const OptimizerSettings& s, std::initializer_list<const char*> known,
                            const std::string& kind) {
    for (auto& [k, v] : s) {
        (void)v;
        bool found = false;
        for (const char* name : known) found = found || k == name;
        CADENZA_CHECK(found, kind, " has no setting '", k, "'");
    }
}

}  // namespace cadenza
