// cadenza/optim/optimizer.hpp: the optimizer interface over the flat parameter buffer.
//
// All of a model's parameters live in one flat buffer and their gradients in
// another with the same layout, so an optimizer is one loop over n numbers.
// Its state is a list of named tensors plus a step count, which a checkpoint
// saves and restores exactly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cadenza/backend/backend.hpp"

namespace cadenza {

template <class T>
class Optimizer {
public:
    virtual ~Optimizer() = default;
    virtual std::string kind() const = 0;
    // Hyper-parameters as key=value, for checkpoints.
    virtual std::map<std::string, double> settings() const = 0;
    // Allocate state for n parameters.
    virtual void prepare(Backend<T>& be, int64_t n) = 0;
    // One update of params from grads (both n long, backend memory).
    virtual void step(Backend<T>& be, T* params, const T* grads, int64_t n) = 0;
    // The learning rate the next step uses; schedules set it (FitOptions).
    virtual double learning_rate() const = 0;
    virtual void set_learning_rate(double lr) = 0;
    // Updates taken so far.
    virtual int64_t steps() const = 0;
    virtual void set_steps(int64_t s) = 0;
    // Named state tensors (backend memory), in a fixed order.
    virtual std::vector<std::pair<std::string, Tensor<T>*>> state() = 0;
};

}  // namespace cadenza
