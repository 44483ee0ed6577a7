// cadenza/kernels/sgd.hpp: SGD's update of one parameter, as torch.optim.SGD defines it.
//
//   g <- g * grad_scale + wd p                      (L2 weight decay, coupled)
//   b <- g                    on the first step     (momentum buffer)
//   b <- mu b + (1 - dampening) g                   afterwards
//   g <- g + mu b  (Nesterov)   or   g <- b         (mu > 0)
//   p <- p - lr g
#pragma once

#include "cadenza/core/config.hpp"

namespace cadenza::kernels {

template <class T>
struct SgdStepConstants {
    T lr, momentum, dampening, weight_decay;
    T grad_scale;      // global-norm clipping, 1 when unclipped
    bool nesterov;
    bool first_step;   // the momentum buffer starts as the gradient itself
};

template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE void sgd_update_element(T& p, T g, T& buf, const SgdStepConstants<T>& k) {
    g = g * k.grad_scale + k.weight_decay * p;
    if (k.momentum != T(0)) {
        buf = k.first_step ? g : k.momentum * buf + (T(1) - k.dampening) * g;
        g = k.nesterov ? g + k.momentum * buf : buf;
    }
    p = p - k.lr * g;
}

}  // namespace cadenza::kernels
