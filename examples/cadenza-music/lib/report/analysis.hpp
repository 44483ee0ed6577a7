// examples/cadenza-music/lib/report/analysis.hpp: the numbers behind the
// paper's figures 5, 6 and 12-14: piano roll (16 steps per quarter note),
// pitch histogram, token frequencies and the count of distinct pitches.
//
//   PianoRoll roll = piano_roll(notes, ticks_per_quarter);   // roll.at(pitch, step)
//   auto hist  = pitch_histogram(notes);                      // 128 bins
//   auto top   = token_frequencies(tokens, 10);               // most frequent first
//   int unique = unique_pitch_count(notes);
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cadenza/midi/midi_types.hpp"

namespace cadenza::app {

struct PianoRoll {
    int steps_per_quarter = 16;
    int64_t steps = 0;
    std::vector<uint8_t> cells;  // 128 * steps, pitch-major: 1 where the pitch sounds
    bool at(int pitch, int64_t step) const {
        return pitch >= 0 && pitch < 128 && step >= 0 && step < steps &&
               cells[size_t(pitch) * size_t(steps) + size_t(step)] != 0;
    }
};

// A note occupies the steps whose start lies in [start, end); a zero-length
// note still marks its onset step, so every note is visible.
PianoRoll piano_roll(const std::vector<midi::Note>& notes, int ticks_per_quarter,
                     int steps_per_quarter = 16);

std::array<int64_t, 128> pitch_histogram(const std::vector<midi::Note>& notes);
int unique_pitch_count(const std::vector<midi::Note>& notes);

// Tokens with counts, most frequent first, ties in sorted token order; top_k
// of 0 keeps all.
std::vector<std::pair<std::string, int64_t>> token_frequencies(
    const std::vector<std::string>& tokens, size_t top_k = 0);

}  // namespace cadenza::app
