// cadenza/optim/registry.hpp: optimizer kinds by name, for checkpoints.
//
// A checkpoint's optimizer section holds kind(), settings() and the state
// tensors; load_model (io/model_io.hpp) asks this registry for an optimizer of
// that kind built from those settings, then restores its state. Built-ins:
// Adam, AdamW, SGD, RMSprop. An optimizer of your own joins with one call:
//
//   optimizer_registry<float>().add("Lion", [](const OptimizerSettings& s) {
//       return std::make_unique<Lion<float>>(setting(s, "lr", 1e-4));
//   });
#pragma once

#include "cadenza/core/registry.hpp"
#include "cadenza/optim/adam.hpp"
#include "cadenza/optim/rmsprop.hpp"
#include "cadenza/optim/sgd.hpp"

namespace cadenza {

template <class T>
using OptimizerRegistry = Registry<Optimizer<T>, OptimizerSettings>;

template <class T>
void add_builtin_optimizers(OptimizerRegistry<T>& r) {
    r.add("Adam", [](const OptimizerSettings& s) { return std::make_unique<Adam<T>>(Adam<T>::options_from(s)); });
    r.add("AdamW", [](const OptimizerSettings& s) {
        return std::make_unique<AdamW<T>>(Adam<T>::options_from(s, adamw_defaults()));
    });
    r.add("SGD", [](const OptimizerSettings& s) { return std::make_unique<Sgd<T>>(Sgd<T>::options_from(s)); });
    r.add("RMSprop",
          [](const OptimizerSettings& s) { return std::make_unique<Rmsprop<T>>(Rmsprop<T>::options_from(s)); });
}

// The process's optimizer registry for element type T, built-ins included.
template <class T>
OptimizerRegistry<T>& optimizer_registry() {
    return process_registry<OptimizerRegistry<T>, &add_builtin_optimizers<T>>("optimizer");
}

}  // namespace cadenza
