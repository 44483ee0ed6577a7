// cadenza/kernels/softmax_cross_entropy.hpp: softmax + cross-entropy of one row, fused.
//
// For logits z (V classes) and target y:
//   loss = logsumexp(z) - z_y          (stable: subtract max z first)
//   dz   = (softmax(z) - onehot(y)) * dloss
// One pass for the max, one for the sum, one to write the gradient.
#pragma once

#include <cmath>

#include "cadenza/core/config.hpp"
#include "cadenza/kernels/activations.hpp"

namespace cadenza::kernels {

// Returns the row's loss; writes dz (may alias nothing; may be null to skip).
template <class T>
CADENZA_HOST_DEVICE inline T softmax_cross_entropy_row(int V, const T* z, int target, T dloss,
                                                       T* dz) {
    T zmax = z[0];
    for (int k = 1; k < V; ++k) zmax = z[k] > zmax ? z[k] : zmax;
    T sum = T(0);
    for (int k = 0; k < V; ++k) sum += kernels::exp(z[k] - zmax);
    T log_sum = std::log(sum);
    if (dz) {
        T inv_sum = T(1) / sum;
        for (int k = 0; k < V; ++k) dz[k] = kernels::exp(z[k] - zmax) * inv_sum * dloss;
        dz[target] -= dloss;
    }
    return log_sum + zmax - z[target];
}

// Is the target among the k largest logits? Ties count against the target
// (a logit equal to the target's, at a lower index, ranks above it), as top-k in
// PyTorch and Keras resolve them in practice for distinct values.
template <class T>
CADENZA_HOST_DEVICE inline bool target_in_top_k(int V, const T* z, int target, int k) {
    T zt = z[target];
    int above = 0;
    for (int c = 0; c < V; ++c)
        if (z[c] > zt || (z[c] == zt && c < target)) ++above;
    return above < k;
}

}  // namespace cadenza::kernels
