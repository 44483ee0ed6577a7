// cadenza/midi/note_order.hpp: the documented order of MidiFile::notes.
//
// Ascending (start_tick, track, channel, pitch); notes equal in all four keep
// the order of their note-ons in the file. The reader collects notes track by
// track, each track in note-on order, so this is a sort of a few small runs
// (chords within a track) followed by a merge of the tracks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "cadenza/midi/midi_types.hpp"

namespace cadenza::midi {

// The sort key of notes and unterminated notes: (start_tick, track, channel, pitch).
struct NoteKeyLess {
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        if (a.start_tick != b.start_tick) return a.start_tick < b.start_tick;
        if (a.track != b.track) return a.track < b.track;
        if (a.channel != b.channel) return a.channel < b.channel;
        return a.pitch < b.pitch;
    }
};

// `notes` grouped by track in track order, each track in note-on order (as
// the reader collects them); returns them in the documented order.
inline std::vector<Note> order_notes(std::vector<Note> notes, int track_count) {
    const NoteKeyLess by_key;
    if (std::is_sorted(notes.begin(), notes.end(), by_key)) return notes;
    int64_t last_tick = 0;
    for (const Note& note : notes) last_tick = std::max(last_tick, note.start_tick);
    if (last_tick >= (int64_t(1) << 37) || track_count > 0x10000) {
        std::stable_sort(notes.begin(), notes.end(), by_key);  // absurd files only
        return notes;
    }
    // Pack the key into 64 bits (37 tick, 16 track, 4 channel, 7 pitch
    // bits) and order (key, position) pairs rather than moving notes.
    // Each track's notes are already in start order: only notes sharing
    // a start tick (chords) need sorting, then the tracks are merged.
    using Keyed = std::pair<uint64_t, uint32_t>;
    std::vector<Keyed> order(notes.size()), merged(notes.size());
    std::vector<size_t> runs{0};  // start of each track's run in `order`
    for (size_t i = 0; i < notes.size(); ++i) {
        const Note& note = notes[i];
        order[i] = {(uint64_t(note.start_tick) << 27) | (uint64_t(note.track) << 11) |
                        (uint64_t(note.channel) << 7) | uint64_t(note.pitch),
                    uint32_t(i)};
        if (i > 0 && note.track != notes[i - 1].track) runs.push_back(i);
    }
    runs.push_back(notes.size());
    // Within a track only notes sharing a start tick can be out of order.
    for (size_t begin = 0; begin < order.size();) {
        size_t end = begin + 1;
        while (end < order.size() && (order[end].first >> 11) == (order[begin].first >> 11))
            ++end;  // same tick and track
        if (end - begin > 1 && !std::is_sorted(order.begin() + std::ptrdiff_t(begin),
                                               order.begin() + std::ptrdiff_t(end)))
            std::sort(order.begin() + std::ptrdiff_t(begin), order.begin() + std::ptrdiff_t(end));
        begin = end;
    }
    while (runs.size() > 2) {  // merge neighbouring runs pairwise
        std::vector<size_t> next{0};
        for (size_t r = 0; r + 1 < runs.size(); r += 2) {
            const size_t begin = runs[r], middle = runs[r + 1];
            const size_t end = r + 2 < runs.size() ? runs[r + 2] : middle;
            std::merge(order.begin() + std::ptrdiff_t(begin),
                       order.begin() + std::ptrdiff_t(middle),
                       order.begin() + std::ptrdiff_t(middle), order.begin() + std::ptrdiff_t(end),
                       merged.begin() + std::ptrdiff_t(begin));
            next.push_back(end);
        }
        order.swap(merged);
        runs.swap(next);
    }
    std::vector<Note> out;
    out.reserve(notes.size());
    for (const Keyed& keyed : order) out.push_back(notes[keyed.second]);
    return out;
}

}  // namespace cadenza::midi
