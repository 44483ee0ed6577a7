// tests/core/gradient_check.hpp: one generic finite-difference gradient checker.
//
// After dlib's: for any differentiable computation, perturb every value x[i] by
// +-eps, recompute the loss, and compare (L(x+eps) - L(x-eps)) / 2eps with the
// analytic gradient. Reports the worst index with both values. Double precision.
#pragma once

#include <cmath>
#include <functional>
#include <sstream>
#include <string>

namespace cadenza::testing {

struct GradientCheck {
    double worst_error = 0;  // |numeric - analytic| / max(1, |numeric|, |analytic|)
    int64_t worst_index = -1;
    double numeric = 0, analytic = 0;
    int64_t checked = 0;
    std::string describe(const std::string& what) const {
        std::ostringstream s;
        s << what << ": worst error " << worst_error << " at index " << worst_index << " (numeric "
          << numeric << ", analytic " << analytic << ") over " << checked << " values";
        return s.str();
    }
};

// x: n values in host memory; analytic: their gradients; loss: recomputes the
// loss from x from scratch (and must not depend on anything else that changes).
inline GradientCheck check_gradient(double* x, const double* analytic, int64_t n,
                                    const std::function<double()>& loss, double eps = 1e-6) {
    GradientCheck r;
    for (int64_t i = 0; i < n; ++i) {
        const double saved = x[i];
        x[i] = saved + eps;
        const double up = loss();
        x[i] = saved - eps;
        const double down = loss();
        x[i] = saved;
        const double numeric = (up - down) / (2 * eps);
        const double scale = std::max({1.0, std::fabs(numeric), std::fabs(analytic[i])});
        const double err = std::fabs(numeric - analytic[i]) / scale;
        if (err > r.worst_error || r.worst_index < 0) {
            r.worst_error = err;
            r.worst_index = i;
            r.numeric = numeric;
            r.analytic = analytic[i];
        }
        ++r.checked;
    }
    return r;
}

}  // namespace cadenza::testing
