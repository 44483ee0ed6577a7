// cadenza/music/pitch_names.hpp: pitch spelling and chord normal order, the
// two string conventions of the paper's tokens (music21's defaults).
//
//   pitch_name(63)              -> "E-4"    (MIDI key -> name with octave)
//   pitch_class_name(10)        -> "B-"
//   parse_pitch_name("C#5")     -> 73       (also accepts "Eb4", "E-4", "e-4")
//   normal_order({60,64,67})    -> {0,4,7}  (pitch classes, most compact rotation)
//   chord_token({55,60,64})     -> "0.4.7"
//
// Spelling: music21 gives a MIDI number its default spelling, sharps for C#, F#
// and G#, flats (written "-") for E- and B-; octave = key / 12 - 1, so 60 is
// "C4" and 0 is "C-1".
//
// Normal order follows Forte's packing rule, which is what music21's chord
// tables encode (checked against music21 on all 4095 pitch-class sets): among
// the rotations of the ascending pitch-class set, take the one with the
// smallest span from first to last; on a tie the smallest interval from the
// first to the second, then to the third, and so on; rotations that tie on all
// (transpositionally symmetric sets) go to the one starting on the lowest pitch
// class. The order is kept as rotated, so B-4 D5 F5 gives 10.2.5.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "cadenza/error.hpp"

namespace cadenza::music {

// A token, pitch name or duration that is not spelled as expected. The
// message quotes the text.
class TokenError : public Error {
public:
    using Error::Error;
};

inline const std::array<const char*, 12>& pitch_class_names() {
    static const std::array<const char*, 12> names = {"C",  "C#", "D",  "E-", "E",  "F",
                                                      "F#", "G",  "G#", "A",  "B-", "B"};
    return names;
}

inline int pitch_class(int midi_key) { return ((midi_key % 12) + 12) % 12; }

inline std::string pitch_class_name(int pc) { return pitch_class_names()[size_t(pitch_class(pc))]; }

// Floor division keeps negative keys (never in MIDI) consistent.
inline int octave_of(int midi_key) {
    return (midi_key >= 0 ? midi_key / 12 : -((-midi_key + 11) / 12)) - 1;
}

inline std::string pitch_name(int midi_key) {
    return pitch_class_name(midi_key) + std::to_string(octave_of(midi_key));
}

// Parses a pitch name: letter (any case), then any number of accidentals ('#'
// sharp; '-' or 'b' flat; "##", "--" allowed), then an optional signed octave
// (default 4, as music21's note.Note("E-") does). Throws TokenError
// naming the text when it is not a pitch or falls outside MIDI 0..127.
inline int parse_pitch_name(const std::string& text) {
    auto fail = [&](const std::string& why) {
        throw TokenError("not a pitch name: \"" + text + "\" (" + why + ")");
    };
    if (text.empty()) fail("empty");
    static const int letter_pc[7] = {9, 11, 0, 2, 4, 5, 7};  // A B C D E F G
    char letter = char(std::toupper(static_cast<unsigned char>(text[0])));
    if (letter < 'A' || letter > 'G') fail("expected a letter A-G first");
    int pc = letter_pc[letter - 'A'];
    size_t i = 1;
    int alter = 0;
    while (i < text.size() && (text[i] == '#' || text[i] == '-' || text[i] == 'b')) {
        // "b" is a flat only where an octave or the end follows ("Bb4"); "B-1"
        // keeps music21's reading ("-" after the letter is a flat: B-1 is B-flat 1).
        alter += text[i] == '#' ? 1 : -1;
        ++i;
    }
    int octave = 4;
    if (i < text.size()) {
        size_t used = 0;
        try {
            octave = std::stoi(text.substr(i), &used);
        } catch (const std::exception&) {
            fail("bad octave");
        }
        if (i + used != text.size()) fail("trailing characters");
    }
    int key = (octave + 1) * 12 + pc + alter;
    if (key < 0 || key > 127) fail("outside MIDI keys 0..127");
    return key;
}

// Normal order of a collection of MIDI keys or pitch classes (duplicates and
// octaves ignored). Empty input gives an empty order.
inline std::vector<int> normal_order(const std::vector<int>& keys) {
    std::vector<int> pcs;
    for (int k : keys) pcs.push_back(pitch_class(k));
    std::sort(pcs.begin(), pcs.end());
    pcs.erase(std::unique(pcs.begin(), pcs.end()), pcs.end());
    const size_t n = pcs.size();
    if (n <= 1) return pcs;
    // Forte's comparison key of a rotation: span first, then the intervals
    // from the first member to the second, third, ... (smaller is more packed).
    auto key_of = [&](size_t start) {
        std::vector<int> key;
        key.reserve(n);
        auto interval = [&](size_t k) { return (pcs[(start + k) % n] - pcs[start] + 12) % 12; };
        key.push_back(interval(n - 1));
        for (size_t k = 1; k + 1 < n; ++k) key.push_back(interval(k));
        return key;
    };
    size_t best = 0;
    std::vector<int> best_key = key_of(0);
    for (size_t start = 1; start < n; ++start) {
        std::vector<int> key = key_of(start);
        if (key < best_key) {  // strict: ties keep the lowest starting class
            best_key = std::move(key);
            best = start;
        }
    }
    std::vector<int> order(n);
    for (size_t k = 0; k < n; ++k) order[k] = pcs[(best + k) % n];
    return order;
}

// The paper's chord token: the normal order joined with dots ("4.9", "11.2.6").
inline std::string chord_token(const std::vector<int>& keys) {
    std::string token;
    for (int pc : normal_order(keys)) {
        if (!token.empty()) token += '.';
        token += std::to_string(pc);
    }
    return token;
}

}  // namespace cadenza::music
