// tests/music/generated_scores.hpp: small MIDI files written by our own
// writer, each exercising what the paper's tokenization must get right
// (rests, ties at barlines, triplets, chords, voices, grace notes, several
// instruments, drums, another meter, tempo changes, off-grid timing, long
// silences). The same bytes every time: test_music21_agreement.cpp reads them
// back and compares our tokens with music21's, which
//   build/bin/make-test-scores DIR && tools/music21_reference.py --out tests/music/fixtures/generated DIR/*.mid
// wrote into tests/music/fixtures/generated/ (music21 10.5.1).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cadenza/midi/midi_writer.hpp"

namespace cadenza::test {

struct GeneratedScore {
    std::string name;
    std::vector<uint8_t> bytes;
};

namespace scores {

constexpr int64_t Q = 480;  // ticks per quarter note

inline midi::Note note(int track, int pitch, int64_t start, int64_t length, int program = 0,
                       int channel = 0) {
    midi::Note n;
    n.track = track;
    n.channel = channel;
    n.program = program;
    n.pitch = pitch;
    n.velocity = 90;
    n.start_tick = start;
    n.end_tick = start + length;
    return n;
}

// A melody with rests of several lengths, notes tied over barlines and triplets.
inline std::vector<midi::Note> melody_with_rests() {
    std::vector<midi::Note> n;
    const int pitches[] = {60, 62, 64, 65, 67, 69, 71, 72};
    int64_t t = 0;
    for (int i = 0; i < 24; ++i) {
        const int64_t length = (i % 5 == 0) ? 3 * Q / 2 : (i % 3 == 0 ? Q / 2 : Q);
        n.push_back(note(0, pitches[i % 8], t, length));
        t +=
            length + (i % 4 == 1 ? Q / 2 : 0) + (i % 7 == 3 ? Q : 0);  // rests of 1/2 and 1 quarter
    }
    for (int i = 0; i < 9; ++i)
        n.push_back(note(0, 72 - i, t + i * Q / 3, Q / 3));  // triplet eighths
    return n;
}

// Chords (notes starting and ending together), notes starting together but
// ending apart (music21 makes voices), and a grace note (zero length).
inline std::vector<midi::Note> chords_and_voices() {
    std::vector<midi::Note> n;
    for (int bar = 0; bar < 6; ++bar) {
        const int64_t t = bar * 4 * Q;
        const int root = 48 + (bar * 5) % 12;
        for (int add : {0, 4, 7}) n.push_back(note(1, root + add, t, 2 * Q));
        n.push_back(note(1, root + 12, t + 2 * Q, Q));
        n.push_back(
            note(1, root + 16, t + 2 * Q, 2 * Q));  // starts with the note above, ends later
        n.push_back(note(1, root + 19, t + 3 * Q, Q));
    }
    n.push_back(note(1, 84, 24 * Q, 0));  // grace note
    n.push_back(note(1, 83, 24 * Q, Q));
    return n;
}

// Two named instruments in two tracks, a Piano and a Violin.
inline std::vector<midi::Note> two_instruments() {
    std::vector<midi::Note> n;
    for (int i = 0; i < 16; ++i) {
        n.push_back(note(1, 60 + (i * 3) % 12, i * Q, Q, 0));
        if (i % 2 == 0) n.push_back(note(2, 72 + (i * 5) % 12, i * Q, 2 * Q, 40, 1));
    }
    return n;
}

// A piano with a drum track on channel 10 (9 here): drums give no tokens.
inline std::vector<midi::Note> piano_and_drums() {
    std::vector<midi::Note> n;
    for (int i = 0; i < 16; ++i) {
        n.push_back(note(1, 55 + (i * 7) % 24, i * Q, Q));
        n.push_back(note(2, i % 4 == 0 ? 36 : 42, i * Q, Q / 4, 0, 9));
    }
    return n;
}

// Three-four time, notes crossing barlines.
inline std::vector<midi::Note> waltz() {
    std::vector<midi::Note> n;
    int64_t t = 0;
    for (int i = 0; i < 18; ++i) {
        const int64_t length = i % 4 == 3 ? 2 * Q : Q;
        n.push_back(note(0, 64 + (i * 2) % 9, t, length));
        if (i % 3 == 0) n.push_back(note(0, 52 + (i * 2) % 9, t, length));
        t += length;
    }
    return n;
}

// Onsets and lengths off the grid by a few ticks, as played music is.
inline std::vector<midi::Note> off_the_grid() {
    std::vector<midi::Note> n;
    const int jitter[] = {0, 17, -13, 29, -31, 7, 41, -5};
    for (int i = 0; i < 32; ++i) {
        const int64_t start = std::max<int64_t>(0, i * Q / 2 + jitter[i % 8]);
        n.push_back(note(0, 60 + (i * 5) % 14, start, Q / 2 - 20 + jitter[(i + 3) % 8] / 2));
    }
    return n;
}

// Bars of silence between phrases: several whole-bar rests in a row.
inline std::vector<midi::Note> long_silence() {
    std::vector<midi::Note> n;
    for (int i = 0; i < 4; ++i) n.push_back(note(0, 67 + i, i * Q, Q));
    for (int i = 0; i < 4; ++i) n.push_back(note(0, 72 - i, 4 * Q * 5 + Q / 2 + i * Q, Q));
    return n;
}

}  // namespace scores

inline std::vector<GeneratedScore> generated_scores() {
    using namespace scores;
    auto encode = [](const std::vector<midi::Note>& notes, int format,
                     std::vector<std::string> names = {}, midi::TimeSignature signature = {},
                     std::vector<midi::TempoChange> tempi = {}) {
        midi::MidiWriteOptions o;
        o.format = format;
        o.ticks_per_quarter = int(Q);
        o.track_names = std::move(names);
        o.time_signature = signature;
        o.tempo_changes = std::move(tempi);
        return midi::encode_midi(notes, o);
    };
    midi::TimeSignature three_four;
    three_four.numerator = 3;
    return {
        {"melody_with_rests", encode(melody_with_rests(), 0)},
        {"chords_and_voices", encode(chords_and_voices(), 1, {"", "Chords"})},
        {"two_instruments", encode(two_instruments(), 1, {"Duet", "Piano", "Violin"})},
        {"piano_and_drums", encode(piano_and_drums(), 1, {"", "Piano", "Drums"})},
        {"waltz", encode(waltz(), 0, {}, three_four, {{0, 4 * Q, 400000}, {0, 9 * Q, 600000}})},
        {"off_the_grid", encode(off_the_grid(), 0)},
        {"long_silence", encode(long_silence(), 0)},
    };
}

}  // namespace cadenza::test
