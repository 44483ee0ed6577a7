// cadenza/kernels/dropout.hpp: inverted-dropout multipliers from the Philox stream.
//
// Element e's multiplier is 0 when its uniform u_e < p, else 1/(1-p), with
// u_e from random_bits(seed, dropout, step, layer, e). One Philox call yields
// the four elements of a block, so loops run over blocks of 4.
#pragma once

#include <cstdint>

#include "cadenza/core/config.hpp"
#include "cadenza/core/philox.hpp"

namespace cadenza::kernels {

// Multipliers of elements 4*block .. 4*block+3.
template <class T>
CADENZA_HOST_DEVICE CADENZA_INLINE void dropout_block(uint64_t seed, uint64_t step, uint32_t layer,
                                                      uint64_t block, T p, T keep_scale, T out[4]) {
    uint32_t c3 = (static_cast<uint32_t>(RandomStream::dropout) << 24) |
                  (static_cast<uint32_t>(block >> 32) & 0x00FFFFFFu);
    Philox4x32 r = philox4x32(static_cast<uint32_t>(block), static_cast<uint32_t>(step), layer, c3,
                              static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
    // u < p  <=>  (bits >> 8) < p * 2^24: the comparison random_bits' users make.
    const uint32_t threshold = static_cast<uint32_t>(static_cast<double>(p) * 16777216.0);
    for (int k = 0; k < 4; ++k) out[k] = (r.v[k] >> 8) < threshold ? T(0) : keep_scale;
}

}  // namespace cadenza::kernels
