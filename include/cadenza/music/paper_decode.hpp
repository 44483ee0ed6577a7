// cadenza/music/paper_decode.hpp: the paper's tokens back to notes, as the
// paper's generation code does it: every token a step of half a quarter note.
//
//   auto notes = decode_paper_tokens(tokens, 480);   // 0.5-quarter steps
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cadenza/midi/midi_types.hpp"
#include "cadenza/music/paper_tokens.hpp"
#include "cadenza/music/pitch_names.hpp"

namespace cadenza::music {

struct DecodeOptions {
    double step_quarters = 0.5;      // the paper's offset += 0.5
    double duration_quarters = 1.0;  // music21's default Note duration (a quarter)
    int chord_octave = 4;            // note.Note(int) puts a pitch class in octave 4
    int velocity = 100;
    int program = 0;
    int channel = 0;
};

// Paper tokens back to notes, as the paper's generation code does: element k
// starts at k * step; a note token keeps its pitch; a chord token "4.9" gives
// one note per pitch class in octave 4 (E4, A4); a rest token (or "rest")
// sounds nothing but still takes its step. Throws TokenError naming a token
// that is none of these.
inline std::vector<midi::Note> decode_paper_tokens(const std::vector<std::string>& tokens,
                                                   int ticks_per_quarter = 480,
                                                   const DecodeOptions& options = {}) {
    std::vector<midi::Note> notes;
    const auto step = int64_t(std::llround(options.step_quarters * ticks_per_quarter));
    const auto length = int64_t(std::llround(options.duration_quarters * ticks_per_quarter));
    for (size_t k = 0; k < tokens.size(); ++k) {
        const std::string& token = tokens[k];
        const int64_t start = int64_t(k) * step;
        std::vector<int> keys;
        if (is_rest_token(token)) {
            continue;
        } else if (!token.empty() && (std::isdigit(static_cast<unsigned char>(token[0])))) {
            size_t pos = 0;
            while (pos < token.size()) {
                size_t dot = token.find('.', pos);
                if (dot == std::string::npos) dot = token.size();
                const std::string part = token.substr(pos, dot - pos);
                if (part.empty() || part.size() > 2 ||
                    !std::all_of(
                        part.begin(), part.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
                    std::stoi(part) > 11)
                    throw TokenError("not a chord token: \"" + token + "\"");
                keys.push_back((options.chord_octave + 1) * 12 + std::stoi(part));
                pos = dot + 1;
            }
        } else {
            try {
                keys.push_back(parse_pitch_name(token));
            } catch (const TokenError&) {
                throw TokenError("not a paper token (note, chord or rest): \"" + token + "\"");
            }
        }
        for (int key : keys) {
            midi::Note n;
            n.channel = options.channel;
            n.program = options.program;
            n.pitch = key;
            n.velocity = options.velocity;
            n.start_tick = start;
            n.end_tick = start + length;
            notes.push_back(n);
        }
    }
    return notes;
}

// Is `token` one the paper's encoding makes: a pitch name ("E-4"), a chord
// of pitch classes in normal-order spelling ("4.9"), "rest", or "rest_" and a
// quarter length as Python prints it ("rest_1.0", "rest_1/3")? Checks a
// vocabulary read from a file against the encoding it claims.
inline bool is_paper_token(const std::string& token) {
    auto digits = [](const std::string& s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (token == "rest") return true;
    if (token.rfind("rest_", 0) == 0) {
        const std::string length = token.substr(5);
        const size_t sep = length.find_first_of("./");
        return sep != std::string::npos && digits(length.substr(0, sep)) && digits(length.substr(sep + 1));
    }
    try {
        decode_paper_tokens({token}, 480);
        return true;
    } catch (const TokenError&) {
        return false;
    }
}

}  // namespace cadenza::music
