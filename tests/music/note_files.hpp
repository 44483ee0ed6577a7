// tests/music/note_files.hpp: MidiFiles written note by note for the
// tokenizer's tests (test_tokenize.cpp, test_score_bounds.cpp).
#pragma once

#include <cadenza/midi/midi_types.hpp>

#include <cstdint>
#include <utility>
#include <vector>

namespace cadenza_test {

inline cadenza::midi::Note make_note(int pitch, int64_t start, int64_t end, int track = 1,
                                     int channel = 0, int sequence = 0) {
    cadenza::midi::Note n;
    n.track = track;
    n.channel = channel;
    n.pitch = pitch;
    n.start_tick = start;
    n.end_tick = end;
    n.sequence = sequence;
    return n;
}

// Track 0 is the conductor; the notes are in track 1 unless they say otherwise.
inline cadenza::midi::MidiFile make_file(std::vector<cadenza::midi::Note> notes, int tpq = 480) {
    cadenza::midi::MidiFile f;
    f.division.ticks_per_quarter = tpq;
    f.notes = std::move(notes);
    f.track_count = 2;
    return f;
}

}  // namespace cadenza_test
