// cadenza/music/key.hpp: the key of a piece from its pitch classes, and the
// spelling of pitches in that key.
//
//   std::array<double, 12> weights = ...;          // time each pitch class sounds
//   Key k = estimate_key(weights);                 // e.g. {tonic 2, minor}: D minor, fifths -1
//   std::string name = key_name(k);                // "D minor"
//   Spelling s = spell(61, k);                     // C#4 in D minor: {step 'C', alter +1, octave 4}
//
// The estimate is Krumhansl and Schmuckler's: the correlation of the piece's
// pitch-class distribution with Krumhansl and Kessler's 24 key profiles
// (Cognitive Foundations of Musical Pitch, 1990), the best one wins (ties:
// major before minor, then the lower tonic). fifths is the key signature:
// sharps positive, flats negative, the usual choice of -6..+6 for each tonic
// (F# major and D# minor are written with 6 sharps, Gb/Eb with 6 flats: we
// take the sharp side for tonic pitch class 6 in major and 3 in minor).
#pragma once

#include <array>
#include <cmath>
#include <string>

namespace cadenza::music {

struct Key {
    int tonic = 0;       // pitch class 0..11
    bool minor = false;
    int fifths = 0;      // key signature: > 0 sharps, < 0 flats
    double score = 0;    // the winning correlation
};

inline int key_fifths(int tonic, bool minor) {
    // The relative major's tonic, then its place on the circle of fifths.
    const int major_tonic = minor ? (tonic + 3) % 12 : tonic;
    static const int fifths_of_major[12] = {0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5};
    return fifths_of_major[major_tonic];
}

inline Key estimate_key(const std::array<double, 12>& weights) {
    static const double major[12] = {6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88};
    static const double minor[12] = {6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17};
    auto correlation = [&](const double* profile, int tonic) {
        double mx = 0, my = 0;
        for (int i = 0; i < 12; ++i) {
            mx += weights[size_t(i)];
            my += profile[(i - tonic + 12) % 12];
        }
        mx /= 12;
        my /= 12;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < 12; ++i) {
            const double x = weights[size_t(i)] - mx, y = profile[(i - tonic + 12) % 12] - my;
            sxy += x * y;
            sxx += x * x;
            syy += y * y;
        }
        return sxx > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
    };
    Key best;
    best.score = -2;
    for (int minor_mode = 0; minor_mode < 2; ++minor_mode)
        for (int tonic = 0; tonic < 12; ++tonic) {
            const double r = correlation(minor_mode ? minor : major, tonic);
            if (r > best.score) {
                best.score = r;
                best.tonic = tonic;
                best.minor = minor_mode == 1;
            }
        }
    best.fifths = key_fifths(best.tonic, best.minor);
    return best;
}

inline std::string key_name(const Key& k) {
    static const char* sharp_names[12] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
    static const char* flat_names[12] = {"C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"};
    return std::string(k.fifths < 0 ? flat_names[k.tonic] : sharp_names[k.tonic]) + (k.minor ? " minor" : " major");
}

// A MIDI key written in a key: the letter, the alteration (-1 flat, +1
// sharp) and the octave (as MusicXML counts it: C4 is middle C). Sharp keys
// (and C) spell black keys as sharps, flat keys as flats; in minor keys the
// raised seventh (the leading tone) is spelled as a sharp of the letter below
// the tonic, as in harmonic minor.
struct Spelling {
    char step = 'C';
    int alter = 0;
    int octave = 4;
};

inline Spelling spell(int midi_key, const Key& k) {
    static const char steps_sharp[12] = {'C', 'C', 'D', 'D', 'E', 'F', 'F', 'G', 'G', 'A', 'A', 'B'};
    static const int alter_sharp[12] = {0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0};
    static const char steps_flat[12] = {'C', 'D', 'D', 'E', 'E', 'F', 'G', 'G', 'A', 'A', 'B', 'B'};
    static const int alter_flat[12] = {0, -1, 0, -1, 0, 0, -1, 0, -1, 0, -1, 0};
    const int pc = ((midi_key % 12) + 12) % 12;
    Spelling s;
    bool sharp = k.fifths >= 0;
    if (k.minor && pc == (k.tonic + 11) % 12) sharp = true;  // the leading tone of a minor key
    s.step = sharp ? steps_sharp[pc] : steps_flat[pc];
    s.alter = sharp ? alter_sharp[pc] : alter_flat[pc];
    // B# and Cb do not arise from these tables; the octave follows the letter.
    s.octave = midi_key / 12 - 1;
    return s;
}

}  // namespace cadenza::music
