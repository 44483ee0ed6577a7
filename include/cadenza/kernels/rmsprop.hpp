// cadenza/kernels/rmsprop.hpp: RMSprop's update of one parameter, as
// torch.optim.RMSprop defines it (Keras's RMSprop is the same formula with
// rho for alpha and its own defaults).
//
//   g <- g * grad_scale + wd p                      (L2 weight decay, coupled)
//   v <- alpha v + (1 - alpha) g^2
//   centered:  a <- alpha a + (1 - alpha) g;  d = sqrt(v - a^2) + eps
//   else:      d = sqrt(v) + eps
//   mu > 0:    b <- mu b + g / d;  p <- p - lr b
//   else:      p <- p - lr g / d
#pragma once

#include <cmath>

#include "cadenza/core/config.hpp"

namespace cadenza::kernels {

template <class T>
struct RmspropStepConstants {
    T lr, alpha, eps, weight_decay, momentum;
    T grad_scale;  // global-norm clipping, 1 when unclipped
    bool centered;
};

// avg_g and buf are read only when centered, respectively momentum > 0.
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE void rmsprop_update_element(T& p, T g, T& v, T& avg_g, T& buf,
                                                              const RmspropStepConstants<T>& k) {
    g = g * k.grad_scale + k.weight_decay * p;
    v = k.alpha * v + (T(1) - k.alpha) * g * g;
    T d;
    if (k.centered) {
        avg_g = k.alpha * avg_g + (T(1) - k.alpha) * g;
        d = std::sqrt(v - avg_g * avg_g) + k.eps;
    } else {
        d = std::sqrt(v) + k.eps;
    }
    if (k.momentum > T(0)) {
        buf = k.momentum * buf + g / d;
        p = p - k.lr * buf;
    } else {
        p = p - k.lr * (g / d);
    }
}

}  // namespace cadenza::kernels
