// cadenza/music/quantize.hpp: music21's time grid. Offsets and durations
// snap to the nearest multiple of 1/4 or 1/3 quarter note (its default
// quarterLengthDivisors (4, 3)), and are then held exactly as whole units of
// 1/48 quarter note, which hold every point of that grid and every barline
// down to 1/16-note denominators.
//
//   int64_t units = detail::to_units(detail::best_match(1.02, {4, 3}, true));  // 48
//   std::string s = quarter_length_string(16);                                 // "1/3"
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "cadenza/midi/midi_types.hpp"

namespace cadenza::music {

constexpr int64_t kUnitsPerQuarter = 48;
constexpr int kDrumChannel = 9;

// A duration or offset in units as a quarter-length string the way Python
// prints music21's values: a float when the value is dyadic ("1.0", "0.25",
// "2.75"), otherwise a reduced fraction ("1/3", "13/12").
inline std::string quarter_length_string(int64_t units) {
    int64_t num = units, den = kUnitsPerQuarter;
    const int64_t g = std::gcd(num < 0 ? -num : num, den);
    num /= g;
    den /= g;
    if ((den & (den - 1)) == 0) {
        // dyadic: exact short decimal, with at least one digit after the point
        std::string whole = std::to_string(num / den);
        if (num < 0 && num / den == 0) whole = "-0";
        int64_t rem = (num < 0 ? -num : num) % den;
        std::string frac;
        if (rem == 0) frac = "0";
        while (rem != 0) {
            rem *= 10;
            frac += char('0' + rem / den);
            rem %= den;
        }
        return whole + "." + frac;
    }
    return std::to_string(num) + "/" + std::to_string(den);
}

// Ticks per quarter note of a file's time grid; an SMPTE (or broken)
// division is read on music21's default grid of 480.
inline double ticks_per_quarter(const midi::MidiFile& file) {
    return file.division.smpte || file.division.ticks_per_quarter <= 0
               ? 480.0
               : double(file.division.ticks_per_quarter);
}

namespace detail {

// Python's round(x, 7) for the small errors compared here.
inline double round7(double x) { return std::round(x * 1e7) / 1e7; }

struct GridMatch {
    double remaining_gap, error, tick, match;
};

// music21's Stream.quantize bestMatch: nearest multiple per divisor (ties to
// the lower multiple), never 0 when zero is not allowed, then the smallest
// (remaining gap, error, tick).
inline double best_match(double target, const std::vector<int>& divisors, bool zero_allowed,
                         double gap_to_fill = 0.0) {
    bool have = false;
    GridMatch best{0, 0, 0, 0};
    for (int div : divisors) {
        const double tick = 1.0 / div;
        const double mult = std::floor(target / tick);
        const double low = tick * mult, high = tick * (mult + 1);
        double match, error;
        if (low <= target && target <= low + tick / 2.0) {
            match = low;
            error = round7(target - low);
        } else {
            match = high;
            error = round7(high - target);
        }
        if (!zero_allowed && match == 0.0) {
            match = tick;
            error = std::fabs(round7(target - match));
        }
        const double remaining =
            std::fmod(gap_to_fill, tick) == 0.0 ? 0.0 : std::max(gap_to_fill - match, 0.0);
        GridMatch m{remaining, error, tick, match};
        auto key = [](const GridMatch& g) {
            return std::make_tuple(g.remaining_gap, g.error, g.tick, g.match);
        };
        if (!have || key(m) < key(best)) best = m;
        have = true;
    }
    return best.match;
}

inline int64_t to_units(double quarters) {
    return std::llround(quarters * double(kUnitsPerQuarter));
}

// A tick of `file` snapped to the grid, in units.
inline int64_t quantized_offset(int64_t tick, double tpq, const std::vector<int>& divisors) {
    return to_units(best_match(double(tick) / tpq, divisors, true));
}

}  // namespace detail

}  // namespace cadenza::music
