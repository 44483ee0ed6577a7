// cadenza/kernels/adam.hpp: Adam's update of one parameter, as PyTorch defines it,
// with AdamW's decoupled weight decay (PyTorch's torch.optim.AdamW; wd = 0: Adam).
//
//   m <- b1 m + (1 - b1) g
//   v <- b2 v + (1 - b2) g^2
//   p <- p (1 - lr wd) - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// The per-step constants are computed once on the host (AdamStepConstants).
#pragma once

#include <cmath>

#include "cadenza/core/config.hpp"

namespace cadenza::kernels {

template <class T>
struct AdamStepConstants {
    T beta1, beta2, eps;
    T step_size;             // lr / (1 - beta1^t)
    T inv_sqrt_correction2;  // 1 / sqrt(1 - beta2^t)
    T grad_scale;            // gradient multiplier (global-norm clipping), 1 when unclipped
    T decay = T(1);          // 1 - lr * weight_decay (AdamW), 1 for Adam
};

template <class T>
AdamStepConstants<T> adam_constants(double lr, double beta1, double beta2, double eps,
                                    long long step, double grad_scale, double weight_decay = 0.0) {
    double c1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    double c2 = 1.0 - std::pow(beta2, static_cast<double>(step));
    return {T(beta1),      T(beta2),     T(eps), T(lr / c1), T(1.0 / std::sqrt(c2)), T(grad_scale),
            T(1.0 - lr * weight_decay)};
}

template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE void adam_update_element(T& p, T g, T& m, T& v,
                                                           const AdamStepConstants<T>& k) {
    g *= k.grad_scale;
    m = k.beta1 * m + (T(1) - k.beta1) * g;
    v = k.beta2 * v + (T(1) - k.beta2) * g * g;
    p = p * k.decay - k.step_size * m / (std::sqrt(v) * k.inv_sqrt_correction2 + k.eps);
}

}  // namespace cadenza::kernels
