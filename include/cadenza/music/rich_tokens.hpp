// cadenza/music/rich_tokens.hpp: our richer encoding (docs/music-encoding.md).
// Unlike the paper's tokens, a chord keeps its octaves and every token carries
// its duration, so decoding restores pitch and rhythm.
//
//   auto tokens = encode_rich(notes, ticks_per_quarter);  // "C4.E4.G4:1/2", "R:1", "B-3:3/2"
//   auto notes  = decode_rich(tokens, ticks_per_quarter);
//
// Token: pitch names (pitch_names.hpp spelling) ascending, joined by '.', then
// ':' and the duration in quarter notes as a reduced fraction ("1", "1/2",
// "3/2", "1/3"); a rest is "R:<duration>". Each token starts where the
// previous one ended: the duration is also the onset advance, so there is no
// separate time-shift token.
// Encoding: drums (channel 9) are left out; onsets and durations snap to the
// nearest point of the grid (sixteenths and eighth-note triplets by default,
// music21's rule: nearest multiple per divisor, ties low, then the coarser
// error); a sounding note lasts at least one grid step. Notes whose onsets
// snap together form one token lasting as long as the longest of them; a
// token is cut where the next onset begins, and silence before an onset
// becomes a rest token. So decode(encode(x)) gives back x's quantized notes
// exactly for a monophonic or homophonic line (chords whose notes start and
// end together, not overlapping the next onset); for other music the result
// is that line's homophonic reduction.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "cadenza/midi/midi_types.hpp"
#include "cadenza/music/pitch_names.hpp"
#include "cadenza/music/quantize.hpp"

namespace cadenza::music {

struct RichOptions {
    std::vector<int> quarter_length_divisors = {4, 3};
};

// Units (1/48 quarter) as a reduced fraction of a quarter note: "1", "3/2".
inline std::string quarter_fraction(int64_t units) {
    const int64_t g = std::gcd(units < 0 ? -units : units, kUnitsPerQuarter);
    const int64_t num = units / (g == 0 ? 1 : g), den = kUnitsPerQuarter / (g == 0 ? 1 : g);
    return den == 1 ? std::to_string(num) : std::to_string(num) + "/" + std::to_string(den);
}

// "3/2" -> 72 units; throws TokenError when not a positive
// fraction on the 1/48-quarter lattice.
inline int64_t parse_quarter_fraction(const std::string& text) {
    auto fail = [&]() -> int64_t {
        throw TokenError("not a duration in quarter notes: \"" + text + "\"");
    };
    const size_t slash = text.find('/');
    auto number = [&](const std::string& s) -> int64_t {
        if (s.empty() || s.size() > 9 ||
            !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return fail();
        return std::stoll(s);
    };
    const int64_t num = number(text.substr(0, slash));
    const int64_t den = slash == std::string::npos ? 1 : number(text.substr(slash + 1));
    if (num <= 0 || den <= 0 || (num * kUnitsPerQuarter) % den != 0) return fail();
    return num * kUnitsPerQuarter / den;
}

namespace detail {

// A note's onset and length on the grid, in units; a sounding note lasts at
// least one grid step.
inline std::pair<int64_t, int64_t> grid_span(const midi::Note& n, double tpq,
                                             const std::vector<int>& divisors) {
    const int64_t onset = to_units(best_match(double(n.start_tick) / tpq, divisors, true));
    const int64_t length = to_units(
        best_match(double(std::max<int64_t>(n.end_tick - n.start_tick, 0)) / tpq, divisors, false));
    return {onset, length};
}

}  // namespace detail

inline std::vector<std::string> encode_rich(const std::vector<midi::Note>& notes,
                                            int ticks_per_quarter,
                                            const RichOptions& options = {}) {
    const double tpq = double(ticks_per_quarter);
    struct Group {
        std::vector<int> keys;
        int64_t duration = 0;
    };
    std::map<int64_t, Group> groups;
    for (const auto& n : notes) {
        if (n.channel == kDrumChannel) continue;
        const auto [onset, length] = detail::grid_span(n, tpq, options.quarter_length_divisors);
        Group& g = groups[onset];
        g.keys.push_back(n.pitch);
        g.duration = std::max(g.duration, length);
    }
    std::vector<std::string> tokens;
    int64_t now = 0;
    for (auto it = groups.begin(); it != groups.end(); ++it) {
        const int64_t onset = it->first;
        Group& g = it->second;
        if (onset > now) tokens.push_back("R:" + quarter_fraction(onset - now));
        auto next = std::next(it);
        int64_t duration = g.duration;
        if (next != groups.end()) duration = std::min(duration, next->first - onset);
        std::sort(g.keys.begin(), g.keys.end());
        g.keys.erase(std::unique(g.keys.begin(), g.keys.end()), g.keys.end());
        std::string token;
        for (int key : g.keys) token += (token.empty() ? "" : ".") + pitch_name(key);
        tokens.push_back(token + ":" + quarter_fraction(duration));
        now = onset + duration;
    }
    return tokens;
}

// Rich tokens back to notes (channel 0, given velocity). Throws
// TokenError naming a malformed token.
inline std::vector<midi::Note> decode_rich(const std::vector<std::string>& tokens,
                                           int ticks_per_quarter, int velocity = 100) {
    std::vector<midi::Note> notes;
    int64_t now = 0;
    auto ticks = [&](int64_t units) {
        return (units * ticks_per_quarter + kUnitsPerQuarter / 2) / kUnitsPerQuarter;
    };
    for (const auto& token : tokens) {
        const size_t colon = token.rfind(':');
        if (colon == std::string::npos || colon == 0)
            throw TokenError("not a rich token (expected PITCHES:DURATION or R:DURATION): \"" +
                             token + "\"");
        int64_t duration = 0;
        try {
            duration = parse_quarter_fraction(token.substr(colon + 1));
        } catch (const TokenError&) {
            throw TokenError("bad duration in rich token \"" + token + "\"");
        }
        const std::string head = token.substr(0, colon);
        if (head != "R") {
            size_t pos = 0;
            while (pos <= head.size()) {
                size_t dot = head.find('.', pos);
                if (dot == std::string::npos) dot = head.size();
                midi::Note n;
                try {
                    n.pitch = parse_pitch_name(head.substr(pos, dot - pos));
                } catch (const TokenError&) {
                    throw TokenError("bad pitch in rich token \"" + token + "\"");
                }
                n.velocity = velocity;
                n.start_tick = ticks(now);
                n.end_tick = ticks(now + duration);
                notes.push_back(n);
                pos = dot + 1;
            }
        }
        now += duration;
    }
    return notes;
}

// The notes encode_rich sees, as decode_rich would give them back for a
// homophonic line: drums dropped, onsets and durations on the grid.
inline std::vector<midi::Note> quantize_notes(const std::vector<midi::Note>& notes,
                                              int ticks_per_quarter,
                                              const RichOptions& options = {}) {
    std::vector<midi::Note> out;
    const double tpq = double(ticks_per_quarter);
    auto ticks = [&](int64_t units) {
        return (units * ticks_per_quarter + kUnitsPerQuarter / 2) / kUnitsPerQuarter;
    };
    for (const auto& n : notes) {
        if (n.channel == kDrumChannel) continue;
        const auto [onset, length] = detail::grid_span(n, tpq, options.quarter_length_divisors);
        midi::Note q = n;
        q.start_tick = ticks(onset);
        q.end_tick = ticks(onset + length);
        out.push_back(q);
    }
    return out;
}

// Is `token` one the rich encoding makes ("C4.E4:1/2", "R:1")?
inline bool is_rich_token(const std::string& token) {
    try {
        decode_rich({token}, 480);
        return true;
    } catch (const TokenError&) {
        return false;
    }
}

}  // namespace cadenza::music
