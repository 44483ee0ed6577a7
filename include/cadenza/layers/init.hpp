// cadenza/layers/init.hpp: Keras's weight initialisers, drawn from our Philox streams.
//
// Initialisation happens once, on the host, in double; the flat buffer is then
// uploaded to the backend. Each layer draws from its own stream (seed, init,
// layer index), so adding a layer never changes another layer's weights.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "cadenza/core/philox.hpp"

namespace cadenza::init {

// Glorot (Xavier) uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
template <class T>
void glorot_uniform(T* w, int64_t n, int64_t fan_in, int64_t fan_out, RandomSequence& rng) {
    double a = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
    for (int64_t i = 0; i < n; ++i) w[i] = static_cast<T>(rng.uniform(-a, a));
}

template <class T>
void uniform(T* w, int64_t n, double lo, double hi, RandomSequence& rng) {
    for (int64_t i = 0; i < n; ++i) w[i] = static_cast<T>(rng.uniform(lo, hi));
}

// A [rows, cols] matrix with orthonormal columns (rows >= cols) or rows
// (rows < cols), as Keras's Orthogonal: QR of a standard normal matrix with the
// signs of R's diagonal folded into Q. QR by modified Gram-Schmidt in double.
template <class T>
void orthogonal(T* w, int64_t rows, int64_t cols, RandomSequence& rng) {
    bool tall = rows >= cols;
    int64_t n = tall ? rows : cols;  // length of each orthonormal vector
    int64_t k = tall ? cols : rows;  // number of them
    std::vector<double> q(static_cast<size_t>(n * k));  // k vectors of length n
    for (double& x : q) x = rng.normal();
    for (int64_t j = 0; j < k; ++j) {
        double* v = &q[static_cast<size_t>(j * n)];
        for (int64_t p = 0; p < j; ++p) {
            const double* u = &q[static_cast<size_t>(p * n)];
            double d = 0;
            for (int64_t i = 0; i < n; ++i) d += u[i] * v[i];
            for (int64_t i = 0; i < n; ++i) v[i] -= d * u[i];
        }
        double norm = 0;
        for (int64_t i = 0; i < n; ++i) norm += v[i] * v[i];
        norm = std::sqrt(norm);
        // Gram-Schmidt's R has a positive diagonal already; sign fixing is a no-op.
        for (int64_t i = 0; i < n; ++i) v[i] /= norm;
    }
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
            w[r * cols + c] = static_cast<T>(tall ? q[static_cast<size_t>(c * n + r)]
                                                  : q[static_cast<size_t>(r * n + c)]);
}

}  // namespace cadenza::init
