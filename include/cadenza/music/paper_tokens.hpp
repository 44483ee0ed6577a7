// cadenza/music/paper_tokens.hpp: the paper's tokens, spelled from music21's
// view of a file (score.hpp): a note is its pitch name ("E-4"), a chord its
// normal order ("4.9"), a rest "rest_" and its quarter length ("rest_1/3").
//
//   auto tokens = paper_tokens(midi_file, options);   // "E-4", "4.9", "rest_1/3"
//   auto merged = piano_merge_tokens(midi_file);      // one stream, wider chords
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "cadenza/midi/midi_types.hpp"
#include "cadenza/music/pitch_names.hpp"
#include "cadenza/music/quantize.hpp"
#include "cadenza/music/score.hpp"

namespace cadenza::music {

// The paper's token for one element; "" for percussion.
inline std::string paper_token(const ScoreElement& e) {
    switch (e.kind) {
        case ScoreElement::Kind::note: return pitch_name(e.pitches.front());
        case ScoreElement::Kind::chord: return chord_token(e.pitches);
        case ScoreElement::Kind::rest: return "rest_" + quarter_length_string(e.duration);
        case ScoreElement::Kind::percussion: return "";
    }
    return "";
}

inline bool is_rest_token(const std::string& token) { return token.rfind("rest", 0) == 0; }

inline std::vector<std::string> paper_tokens(const midi::MidiFile& file,
                                             const ScoreOptions& options = {}) {
    std::vector<std::string> tokens;
    for (const auto& e : score_elements(file, options)) {
        std::string t = paper_token(e);
        if (!t.empty()) tokens.push_back(std::move(t));
    }
    return tokens;
}

// Piano-style merge: every non-drum note of every track in one stream; notes
// whose onsets quantize (music21's grid) to the same point form one chord,
// whatever their durations. Tokens in onset order, same spelling as above.
inline std::vector<std::string> piano_merge_tokens(const midi::MidiFile& file,
                                                   const std::vector<int>& divisors = {4, 3}) {
    const double tpq = ticks_per_quarter(file);
    std::map<int64_t, std::vector<int>> by_onset;
    for (const auto& n : file.notes) {
        if (n.channel == kDrumChannel) continue;
        by_onset[detail::quantized_offset(n.start_tick, tpq, divisors)].push_back(n.pitch);
    }
    std::vector<std::string> tokens;
    for (auto& [onset, keys] : by_onset) {
        (void)onset;
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        tokens.push_back(keys.size() == 1 ? pitch_name(keys[0]) : chord_token(keys));
    }
    return tokens;
}

}  // namespace cadenza::music
