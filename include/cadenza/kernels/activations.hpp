// cadenza/kernels/activations.hpp: exp, sigmoid and tanh for the pointwise kernels.
//
// Our own branch-free exp (Cody-Waite range reduction, then a Taylor polynomial
// on |r| <= ln2/2, then 2^k by building the exponent bits), so that the CPU's
// pointwise loops vectorise (the C library's exp does not) and the GPU runs the
// same instructions. Accuracy: a few ulp in float, about 2e-16 relative in double.
//
// Written so that GCC vectorises the loops that call it for every x86 target,
// not only AVX-512: no conditional select whose value a later operation uses
// (GCC specialises the code after such a select per branch, and a loop with
// branches stays scalar where AVX-512's masks are missing), hence the clamp by
// bit masks; and no std::rint (SSE2 has no vector rounding), hence rounding by
// adding and subtracting 1.5 * 2^mantissa_bits.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "cadenza/core/config.hpp"

namespace cadenza::kernels {

template <class T>
struct ExpTraits;

template <>
struct ExpTraits<float> {
    using Bits = int32_t;
    static constexpr float lo = -87.0f, hi = 88.0f;  // keeps 2^k a normal float
    static constexpr float log2e = 1.44269504088896341f;
    static constexpr float ln2_hi = 0.693145751953125f;   // exact in float
    static constexpr float ln2_lo = 1.428606765330187e-06f;
    static constexpr int mantissa_bits = 23, exponent_bias = 127;
    static constexpr float round_shift = 12582912.0f;  // 1.5 * 2^23: x + it - it rounds x to an integer
    static constexpr int degree = 7;  // Taylor terms of e^r
};

template <>
struct ExpTraits<double> {
    using Bits = int64_t;
    static constexpr double lo = -708.0, hi = 709.0;
    static constexpr double log2e = 1.4426950408889634074;
    static constexpr double ln2_hi = 6.93147180369123816490e-01;  // exact: low bits zero
    static constexpr double ln2_lo = 1.90821492927058770002e-10;
    static constexpr int mantissa_bits = 52, exponent_bias = 1023;
    static constexpr double round_shift = 6755399441055744.0;  // 1.5 * 2^52
    static constexpr int degree = 12;
};

// x clamped to [lo, hi] (NaN stays NaN), choosing between the three by bit
// masks rather than by a conditional select (see the top of this file).
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE T clamp_by_masks(T x, T lo, T hi) {
    using Bits = typename ExpTraits<T>::Bits;
    const Bits below = -Bits(x < lo), above = -Bits(x > hi);  // all ones, or zero
    Bits xb, lob, hib;
    std::memcpy(&xb, &x, sizeof(T));
    std::memcpy(&lob, &lo, sizeof(T));
    std::memcpy(&hib, &hi, sizeof(T));
    xb = (xb & ~(below | above)) | (lob & below) | (hib & above);
    std::memcpy(&x, &xb, sizeof(T));
    return x;
}

// e^x, saturating at the ends of the range instead of returning inf or 0-denormals.
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE T exp(T x) {
    using Tr = ExpTraits<T>;
    using Bits = typename Tr::Bits;
    x = clamp_by_masks(x, Tr::lo, Tr::hi);
    // k = round(x / ln 2), r = x - k ln 2 with ln 2 split in two for exactness.
    T kf = (x * Tr::log2e + Tr::round_shift) - Tr::round_shift;
    T r = (x - kf * Tr::ln2_hi) - kf * Tr::ln2_lo;
    // e^r = sum r^n / n!, by Horner from the highest degree, written out so
    // that the loops calling exp() vectorise (no inner loop, no division).
    T p;
    if constexpr (sizeof(T) == 4) {
        p = T(1) + r * (T(1) + r * (T(1.0 / 2) + r * (T(1.0 / 6) + r * (T(1.0 / 24) +
            r * (T(1.0 / 120) + r * (T(1.0 / 720) + r * T(1.0 / 5040)))))));
    } else {
        p = T(1.0 / 479001600);
        p = T(1.0 / 39916800) + r * p;
        p = T(1.0 / 3628800) + r * p;
        p = T(1.0 / 362880) + r * p;
        p = T(1.0 / 40320) + r * p;
        p = T(1.0 / 5040) + r * p;
        p = T(1.0 / 720) + r * p;
        p = T(1.0 / 120) + r * p;
        p = T(1.0 / 24) + r * p;
        p = T(1.0 / 6) + r * p;
        p = T(1.0 / 2) + r * p;
        p = T(1) + r * p;
        p = T(1) + r * p;
    }
    // 2^k: place k + bias in the exponent field.
    Bits bits = (static_cast<Bits>(kf) + Tr::exponent_bias) << Tr::mantissa_bits;
    T scale;
    std::memcpy(&scale, &bits, sizeof(T));
    return p * scale;
}

// 1 / (1 + e^-x)
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE T sigmoid(T x) {
    return T(1) / (T(1) + exp(-x));
}

// tanh x = sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|}); never overflows.
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE T tanh(T x) {
    T e = exp(T(-2) * std::fabs(x));
    return std::copysign((T(1) - e) / (T(1) + e), x);
}

}  // namespace cadenza::kernels
