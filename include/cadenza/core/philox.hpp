// cadenza/core/philox.hpp: a counter-based random generator (Philox 4x32, 10 rounds).
//
// Salmon et al., "Parallel random numbers: as easy as 1, 2, 3" (SC 2011).
// There is no state to carry: a random number is a pure function of a key and a
// counter. Cadenza keys by the run's seed and counts by (stream, step, layer,
// element), so dropout masks are identical on CPU and GPU, any element can be
// drawn independently by any thread, and a resumed run only needs its step.
#pragma once

#include <cmath>
#include <cstdint>

#include "cadenza/core/config.hpp"

namespace cadenza {

struct Philox4x32 {
    uint32_t v[4];
};

// What a random number is for; keeps the streams of different purposes apart.
enum class RandomStream : uint32_t { init = 1, dropout = 2, shuffle = 3, sample = 4 };

CADENZA_HOST_DEVICE CADENZA_INLINE void philox_mulhilo(uint32_t a, uint32_t b, uint32_t& hi,
                                                       uint32_t& lo) {
    uint64_t p = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
    hi = static_cast<uint32_t>(p >> 32);
    lo = static_cast<uint32_t>(p);
}

// Ten rounds of Philox-4x32 on counter c with key k (the published constants).
CADENZA_HOST_DEVICE CADENZA_INLINE Philox4x32 philox4x32(uint32_t c0, uint32_t c1, uint32_t c2,
                                                          uint32_t c3, uint32_t k0, uint32_t k1) {
    const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
    const uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    for (int round = 0; round < 10; ++round) {
        uint32_t hi0, lo0, hi1, lo1;
        philox_mulhilo(M0, c0, hi0, lo0);
        philox_mulhilo(M1, c2, hi1, lo1);
        uint32_t n0 = hi1 ^ c1 ^ k0;
        uint32_t n1 = lo1;
        uint32_t n2 = hi0 ^ c3 ^ k1;
        uint32_t n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += W0;
        k1 += W1;
    }
    return {{c0, c1, c2, c3}};
}

// The 32 random bits for one element of a (seed, stream, step, layer) family.
// Four consecutive elements share one Philox call (one block of 4 outputs).
CADENZA_HOST_DEVICE CADENZA_INLINE uint32_t random_bits(uint64_t seed, RandomStream stream,
                                                        uint64_t step, uint32_t layer,
                                                        uint64_t element) {
    uint64_t block = element >> 2;
    // counter = (block low bits, step, layer, stream | block high bits): 2^56
    // elements per (step, layer) and 2^32 steps; key = the 64-bit seed.
    uint32_t c3 = (static_cast<uint32_t>(stream) << 24) |
                  (static_cast<uint32_t>(block >> 32) & 0x00FFFFFFu);
    Philox4x32 r = philox4x32(static_cast<uint32_t>(block), static_cast<uint32_t>(step), layer, c3,
                              static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
    return r.v[element & 3];
}

// Uniform in [0, 1) with 24 random bits (exact in float and double).
CADENZA_HOST_DEVICE CADENZA_INLINE double uniform_from_bits(uint32_t bits) {
    return static_cast<double>(bits >> 8) * (1.0 / 16777216.0);
}

// A host-side sequential view of one stream, for initialisation and shuffling.
class RandomSequence {
public:
    RandomSequence(uint64_t seed, RandomStream stream, uint64_t step, uint32_t layer)
        : seed_(seed), stream_(stream), step_(step), layer_(layer) {}

    uint32_t next_bits() { return random_bits(seed_, stream_, step_, layer_, position_++); }
    double uniform() { return uniform_from_bits(next_bits()); }
    // Uniform in (0, 1]: safe for log().
    double uniform_open0() { return 1.0 - uniform(); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Standard normal by Box-Muller (both values used).
    double normal() {
        if (have_spare_) {
            have_spare_ = false;
            return spare_;
        }
        double r = std::sqrt(-2.0 * std::log(uniform_open0()));
        double a = 6.283185307179586 * uniform();
        spare_ = r * std::sin(a);
        have_spare_ = true;
        return r * std::cos(a);
    }
    // Uniform integer in [0, n) without modulo bias worth noticing (64-bit product).
    uint64_t below(uint64_t n) {
        uint64_t x = (static_cast<uint64_t>(next_bits()) << 32) | next_bits();
        return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
    }
    uint64_t position() const { return position_; }

private:
    uint64_t seed_;
    RandomStream stream_;
    uint64_t step_;
    uint32_t layer_;
    uint64_t position_ = 0;
    bool have_spare_ = false;
    double spare_ = 0.0;
};

// Fisher-Yates shuffle of [0, n) keyed by (seed, epoch): the same every time.
template <class Index>
void shuffle_indices(Index* idx, uint64_t n, uint64_t seed, uint64_t epoch) {
    RandomSequence rng(seed, RandomStream::shuffle, epoch, 0);
    for (uint64_t i = n; i > 1; --i) {
        uint64_t j = rng.below(i);
        Index t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

}  // namespace cadenza
