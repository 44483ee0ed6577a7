// cadenza/music/transpose.hpp: tokens moved to another key, in both encodings.
//
//   std::string up;
//   transpose_token("E-4", Encoding::paper, 2, up);    // "F4"
//   transpose_token("4.9", Encoding::paper, 2, up);    // "6.11": the pitch classes moved, the normal order recomputed
//   transpose_token("C4.E4:1/2", rich, -1, up);        // "B3.E-4:1/2"
//   transpose_token("rest_1/3", paper, 5, up);         // "rest_1/3": rests do not move
//
// A paper note keeps its octave arithmetic (E-4 + 2 = F4), a chord (a
// pitch-class set) is re-spelled as the normal order of the moved classes
// (pitch_names.hpp), so the result is exactly the token the tokenizer would
// have made from the transposed music, and transposing back gives the token
// back. A token with a pitch that would leave MIDI 12..127 cannot move: the
// functions return false and leave `out` alone. (Below MIDI 12 a name's
// octave is negative, "F#-1", which music21's spelling reads as a flat: such
// names do not survive a round trip, and no piano reaches them.)
#pragma once

#include <string>
#include <vector>

#include "cadenza/music/paper_tokens.hpp"
#include "cadenza/music/pitch_names.hpp"
#include "cadenza/music/rich_tokens.hpp"
#include "cadenza/music/vocabulary.hpp"

namespace cadenza::music {

enum class TokenEncoding { paper, rich };

// The lowest MIDI key a moved token may hold (C0; see above).
inline constexpr int kLowestMovableKey = 12;

namespace detail {

inline bool is_all_digits_and_dots(const std::string& t) {
    if (t.empty()) return false;
    for (char c : t)
        if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
    return true;
}

// "C4.E4" -> the keys moved by `semitones`, re-spelled ascending; false out of range.
inline bool transpose_pitch_list(const std::string& list, int semitones, std::string& out) {
    std::vector<int> keys;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t dot = list.find('.', start);
        const std::string name = list.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        const int key = parse_pitch_name(name) + semitones;
        if (key < kLowestMovableKey || key > 127) return false;
        keys.push_back(key);
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    std::sort(keys.begin(), keys.end());
    std::string s;
    for (int k : keys) s += (s.empty() ? "" : ".") + pitch_name(k);
    out = s;
    return true;
}

}  // namespace detail

// The paper's token moved by `semitones` (see the top of this file).
inline bool transpose_paper_token(const std::string& token, int semitones, std::string& out) {
    if (is_rest_token(token) || semitones == 0) {
        out = token;
        return true;
    }
    if (detail::is_all_digits_and_dots(token)) {  // a chord: pitch classes in normal order
        std::vector<int> pcs;
        size_t start = 0;
        while (start < token.size()) {
            size_t dot = token.find('.', start);
            if (dot == std::string::npos) dot = token.size();
            pcs.push_back(std::stoi(token.substr(start, dot - start)) + semitones);
            start = dot + 1;
        }
        out = chord_token(pcs);
        return true;
    }
    const int key = parse_pitch_name(token) + semitones;
    if (key < kLowestMovableKey || key > 127) return false;
    out = pitch_name(key);
    return true;
}

// The rich encoding's token ("C4.E4:1/2", "R:1") moved by `semitones`.
inline bool transpose_rich_token(const std::string& token, int semitones, std::string& out) {
    const size_t colon = token.rfind(':');
    if (colon == std::string::npos) throw TokenError("not a rich token: \"" + token + "\" (no ':')");
    const std::string pitches = token.substr(0, colon), duration = token.substr(colon);
    if (pitches == "R" || semitones == 0) {
        out = token;
        return true;
    }
    std::string moved;
    if (!detail::transpose_pitch_list(pitches, semitones, moved)) return false;
    out = moved + duration;
    return true;
}

inline bool transpose_token(const std::string& token, TokenEncoding encoding, int semitones, std::string& out) {
    if (token == Vocabulary::kUnknown) {  // an unknown token stays unknown in every key
        out = token;
        return true;
    }
    return encoding == TokenEncoding::paper ? transpose_paper_token(token, semitones, out)
                                            : transpose_rich_token(token, semitones, out);
}

// A whole piece moved by `semitones`; false (and `out` untouched) when any
// token cannot move.
inline bool transpose_tokens(const std::vector<std::string>& tokens, TokenEncoding encoding, int semitones,
                             std::vector<std::string>& out) {
    std::vector<std::string> moved(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i)
        if (!transpose_token(tokens[i], encoding, semitones, moved[i])) return false;
    out = std::move(moved);
    return true;
}

// The pitch classes a token sounds (a chord's set, a note's class, none for a
// rest), for key estimation (key.hpp).
inline std::vector<int> token_pitch_classes(const std::string& token, TokenEncoding encoding) {
    std::vector<int> pcs;
    if (token == Vocabulary::kUnknown) return pcs;
    if (encoding == TokenEncoding::paper) {
        if (is_rest_token(token)) return pcs;
        if (detail::is_all_digits_and_dots(token)) {
            size_t start = 0;
            while (start < token.size()) {
                size_t dot = token.find('.', start);
                if (dot == std::string::npos) dot = token.size();
                pcs.push_back(pitch_class(std::stoi(token.substr(start, dot - start))));
                start = dot + 1;
            }
            return pcs;
        }
        pcs.push_back(pitch_class(parse_pitch_name(token)));
        return pcs;
    }
    const size_t colon = token.rfind(':');
    const std::string list = token.substr(0, colon);
    if (list == "R") return pcs;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t dot = list.find('.', start);
        pcs.push_back(pitch_class(parse_pitch_name(list.substr(start, dot == std::string::npos ? std::string::npos
                                                                                               : dot - start))));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return pcs;
}

}  // namespace cadenza::music
