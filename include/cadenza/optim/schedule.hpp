// cadenza/optim/schedule.hpp: learning-rate schedules, as functions of the
// epoch for FitOptions::learning_rate. Each is a pure function of the epoch
// index (0-based, from the run's start), so a resumed run continues with the
// rate it would have had.
//
//   FitOptions fit;
//   fit.learning_rate = cosine_schedule(1e-3, /*epochs=*/60, /*floor=*/1e-5);
#pragma once

#include <cmath>
#include <functional>

#include "cadenza/error.hpp"

namespace cadenza {

// lr * factor^(epoch / every): the rate drops by `factor` every `every` epochs.
inline std::function<double(int)> step_schedule(double lr, int every, double factor) {
    CADENZA_CHECK(lr > 0 && every > 0 && factor > 0 && factor <= 1,
                  "step schedule: need lr > 0, every > 0 and 0 < factor <= 1");
    return [=](int epoch) { return lr * std::pow(factor, epoch / every); };
}

// Cosine annealing from lr at epoch 0 to `floor` at epoch `epochs` (and
// `floor` after it), optionally after `warmup` epochs of a linear rise from
// lr / (warmup + 1): lr_e = floor + (lr - floor) (1 + cos(pi e' / E')) / 2.
inline std::function<double(int)> cosine_schedule(double lr, int epochs, double floor = 0.0, int warmup = 0) {
    CADENZA_CHECK(lr > 0 && epochs > 0 && floor >= 0 && floor < lr && warmup >= 0 && warmup < epochs,
                  "cosine schedule: need lr > floor >= 0, epochs > 0 and 0 <= warmup < epochs");
    return [=](int epoch) {
        if (epoch < warmup) return lr * double(epoch + 1) / double(warmup + 1);
        const double span = double(epochs - warmup), e = double(epoch - warmup);
        if (e >= span) return floor;
        return floor + (lr - floor) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * e / span));
    };
}

}  // namespace cadenza
