// cadenza/loss/softmax_cross_entropy.hpp: the fused softmax + cross-entropy loss.
//
// logits [..., V] (one row per prediction), integer targets, one per row.
//   L = (1/R) sum_r [logsumexp(z_r) - z_r[y_r]]
//   dL/dz_r = (softmax(z_r) - onehot(y_r)) / R
// The model's last Dense layer emits logits; the softmax lives here, fused with
// the loss, so no probability is ever formed in a way that can overflow.
#pragma once

#include <cstdint>

#include "cadenza/backend/backend.hpp"
#include "cadenza/core/tensor.hpp"

namespace cadenza {

struct LossResult {
    double loss_sum = 0;     // summed over rows
    int64_t rows = 0;
    int64_t correct = 0;     // top-1 hits
    int64_t correct_top_k = 0;
    double mean_loss() const { return rows ? loss_sum / double(rows) : 0.0; }
    double accuracy() const { return rows ? double(correct) / double(rows) : 0.0; }
};

template <class T>
class SoftmaxCrossEntropy {
public:
    explicit SoftmaxCrossEntropy(int top_k = 5) : top_k_(top_k) {}
    int top_k() const { return top_k_; }

    // targets: one per row, in backend memory. dlogits (when given) is written
    // with the gradient of the MEAN loss over these rows, scaled by grad_scale.
    LossResult evaluate(Backend<T>& be, const Tensor<T>& logits, const int32_t* targets,
                        Tensor<T>* dlogits, double rows_in_mean = 0) const {
        const int V = static_cast<int>(logits.shape().back());
        const int64_t rows = logits.numel() / V;
        if (dlogits && (dlogits->shape() != logits.shape() || dlogits->data() == nullptr))
            *dlogits = be.zeros(logits.shape());
        const double denom = rows_in_mean > 0 ? rows_in_mean : double(rows);
        LossResult r;
        r.rows = rows;
        r.loss_sum = be.softmax_cross_entropy(rows, V, logits.data(), targets, T(1.0 / denom),
                                              dlogits ? dlogits->data() : nullptr);
        r.correct = be.count_top_k(rows, V, logits.data(), targets, 1);
        r.correct_top_k = top_k_ > 1 ? be.count_top_k(rows, V, logits.data(), targets, top_k_)
                                     : r.correct;
        return r;
    }

private:
    int top_k_;
};

}  // namespace cadenza
