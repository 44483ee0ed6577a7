// cadenza/optim/schedule.hpp: learning-rate schedules for Sequential::fit.
//
// Step and cosine are pure functions of the epoch index (0-based, from the
// run's start), for FitOptions::learning_rate, so a resumed run continues with
// the rate it would have had:
//
//   FitOptions fit;
//   fit.learning_rate = cosine_schedule(1e-3, /*epochs=*/60, /*floor=*/1e-5);
//
// Reduce-on-plateau watches the results, so it is an object with state, for
// FitOptions::schedule; fit tells it each epoch's validation loss (the
// training loss without validation data). Its state() is what a resumed run
// restores:
//
//   fit.schedule = std::make_shared<ReduceOnPlateau>(1e-3, PlateauOptions{0.5, 3});
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

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

// A learning-rate schedule that may learn from the epochs' results.
class LearningRateSchedule {
public:
    virtual ~LearningRateSchedule() = default;
    // The rate of epoch e (0-based), asked before its first batch.
    virtual double rate(int epoch) const = 0;
    // Epoch e's result (lower is better), told after it ends.
    virtual void observe(int epoch, double metric) {
        (void)epoch;
        (void)metric;
    }
};

struct PlateauOptions {
    double factor = 0.1;      // the rate is multiplied by this on a plateau
    int patience = 10;        // epochs without improvement tolerated
    double threshold = 1e-4;  // improvement: metric < best * (1 - threshold)
    int cooldown = 0;         // epochs after a reduction before counting again
    double min_lr = 0.0;      // never below this
};

// torch.optim.lr_scheduler.ReduceLROnPlateau (mode "min", threshold_mode "rel").
class ReduceOnPlateau final : public LearningRateSchedule {
public:
    // Everything a resumed run needs to continue exactly.
    struct State {
        double lr = 0;
        double best = std::numeric_limits<double>::infinity();
        int bad_epochs = 0;
        int cooldown_left = 0;
    };

    ReduceOnPlateau(double lr, PlateauOptions o = {}) : o_(o) {
        CADENZA_CHECK(lr > 0 && o.factor > 0 && o.factor < 1 && o.patience >= 0 && o.threshold >= 0 &&
                          o.cooldown >= 0 && o.min_lr >= 0,
                      "reduce-on-plateau: need lr > 0, 0 < factor < 1, patience, threshold, cooldown and "
                      "min_lr >= 0");
        s_.lr = lr;
    }
    double rate(int) const override { return s_.lr; }
    void observe(int, double metric) override {
        if (metric < s_.best * (1 - o_.threshold)) {
            s_.best = metric;
            s_.bad_epochs = 0;
        } else {
            ++s_.bad_epochs;
        }
        if (s_.cooldown_left > 0) {
            --s_.cooldown_left;
            s_.bad_epochs = 0;
        }
        if (s_.bad_epochs > o_.patience) {
            const double reduced = std::max(s_.lr * o_.factor, o_.min_lr);
            if (s_.lr - reduced > 1e-8) s_.lr = reduced;  // PyTorch's eps
            s_.cooldown_left = o_.cooldown;
            s_.bad_epochs = 0;
        }
    }
    const State& state() const { return s_; }
    void restore(const State& s) { s_ = s; }

private:
    PlateauOptions o_;
    State s_;
};

}  // namespace cadenza
