// cadenza/midi/midi_writer.hpp: writes notes as a Standard MIDI File
// (format 0 or 1) with a tempo and a time signature.
//
//   std::vector<uint8_t> encode_midi(const std::vector<Note>& notes, const MidiWriteOptions& options = {});
//   void write_midi(const std::string& path, const std::vector<Note>& notes, const MidiWriteOptions& options = {});
//
// Ticks are the truth: Note::start_s and end_s are ignored (the reader
// recomputes them from the tempo). Note::channel and Note::program are
// honoured: a program change is written before a note-on whenever the
// channel's program in that track differs from the note's (always before the
// first note of a channel).
//
// Layout:
// - format 0: one MTrk holding the name, time signature, tempo changes and
//   every note (Note::track is ignored; reading gives track 0);
// - format 1: MTrk 0 is the conductor track (name, time signature, tempo
//   changes); the notes of Note::track == t go to MTrk t, so reading the file
//   gives back the same track numbers. Notes with track 0 share the conductor
//   track; tracks with no notes in between are written empty.
//
// Round trip: reading what was written gives back the same notes (same ticks,
// seconds from the same tempo map) in the reader's documented order. Events
// at one tick are written note-offs first, then zero-length notes (on, off),
// then note-ons, with the notes of each (track, channel, pitch) in
// (start_tick, end_tick) order, so FIFO pairing on reading reproduces them.
// The one shape FIFO cannot express is a same-key note that starts and ends
// strictly inside another still sounding: it is written, and reading pairs
// its ticks first-in-first-out.
//
// Invalid input (pitch, velocity 1..127, program, channel 0..15, negative
// ticks, end before start, bad options) throws cadenza::Error.
// write_midi writes a temporary file in the target's folder and renames it
// over the target, so a failed write never leaves a half-written file.
#pragma once

#include "cadenza/midi/midi_types.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace cadenza::midi {

struct MidiWriteOptions {
    int format = 1;                              // 0 or 1
    int ticks_per_quarter = 480;                 // 1..32767
    uint32_t microseconds_per_quarter = 500000;  // tempo at tick 0 (120 bpm); 1..0xFFFFFF
    std::vector<TempoChange>
        tempo_changes;             // later changes (tick, microseconds_per_quarter); track ignored
    TimeSignature time_signature;  // written at tick 0; tick and track ignored
    std::vector<std::string> track_names;  // track_names[i] names MTrk i; "" writes no name
};

namespace detail {

inline void put_vlq(std::vector<uint8_t>& out, uint32_t value) {
    uint8_t reversed[4];
    int count = 0;
    do {
        reversed[count++] = uint8_t(value & 0x7F);
        value >>= 7;
    } while (value != 0);
    while (count > 1) out.push_back(uint8_t(reversed[--count] | 0x80));
    out.push_back(reversed[0]);
}

inline void put_be32(std::vector<uint8_t>& out, uint32_t v) {
    out.push_back(uint8_t(v >> 24));
    out.push_back(uint8_t(v >> 16));
    out.push_back(uint8_t(v >> 8));
    out.push_back(uint8_t(v));
}

// One event to write in a track. `order` settles events at the same tick:
// 0 note-off, 1 zero-length note (on, then off), 2 note-on; metas go first (-1).
struct WriteEvent {
    int64_t tick;
    int order;
    uint64_t sequence;  // rank that keeps FIFO order within `order`
    enum Kind : uint8_t { name, time_signature, tempo, note_on, note_off } kind;
    uint32_t value;  // note index, or tempo in microseconds per quarter
};

[[noreturn]] inline void invalid_note(size_t index, const std::string& what) {
    throw Error("encode_midi: note " + std::to_string(index) + " " + what);
}

inline void check_options(const MidiWriteOptions& options) {
    if (options.format != 0 && options.format != 1)
        throw Error("encode_midi: format " + std::to_string(options.format) +
                    " cannot be written; use 0 or 1");
    if (options.ticks_per_quarter < 1 || options.ticks_per_quarter > 0x7FFF)
        throw Error("encode_midi: ticks_per_quarter " + std::to_string(options.ticks_per_quarter) +
                    " is outside 1..32767");
    auto check_tempo = [](uint32_t tempo) {
        if (tempo < 1 || tempo > 0xFFFFFF)
            throw Error("encode_midi: tempo " + std::to_string(tempo) +
                        " microseconds per quarter is outside 1..16777215");
    };
    check_tempo(options.microseconds_per_quarter);
    for (const TempoChange& change : options.tempo_changes) {
        check_tempo(change.microseconds_per_quarter);
        if (change.tick < 0 || change.tick > 0x0FFFFFFF)
            throw Error("encode_midi: tempo change at tick " + std::to_string(change.tick) +
                        " is outside 0..268435455");
    }
    const TimeSignature& signature = options.time_signature;
    const int denominator = signature.denominator;
    if (signature.numerator < 1 || signature.numerator > 255 || denominator < 1 ||
        denominator > (1 << 30) || (denominator & (denominator - 1)) != 0 ||
        signature.clocks_per_click < 0 || signature.clocks_per_click > 255 ||
        signature.thirty_seconds_per_quarter < 0 || signature.thirty_seconds_per_quarter > 255)
        throw Error("encode_midi: time signature " + std::to_string(signature.numerator) + "/" +
                    std::to_string(denominator) +
                    " cannot be written (numerator 1..255, denominator a power of two)");
}

// Checks every note; returns how many MTrk chunks the file gets.
inline int check_notes(const std::vector<Note>& notes, const MidiWriteOptions& options) {
    int track_count = 1;
    for (size_t i = 0; i < notes.size(); ++i) {
        const Note& note = notes[i];
        if (note.pitch < 0 || note.pitch > 127)
            invalid_note(i, "has pitch " + std::to_string(note.pitch) + " outside 0..127");
        if (note.velocity < 1 || note.velocity > 127)
            invalid_note(i, "has velocity " + std::to_string(note.velocity) + " outside 1..127");
        if (note.channel < 0 || note.channel > 15)
            invalid_note(i, "has channel " + std::to_string(note.channel) + " outside 0..15");
        if (note.program < 0 || note.program > 127)
            invalid_note(i, "has program " + std::to_string(note.program) + " outside 0..127");
        if (note.start_tick < 0)
            invalid_note(i, "starts at negative tick " + std::to_string(note.start_tick));
        if (note.end_tick < note.start_tick)
            invalid_note(i, "ends at tick " + std::to_string(note.end_tick) +
                                " before its start at tick " + std::to_string(note.start_tick));
        if (options.format == 1) {
            if (note.track < 0 || note.track > 0xFFFE)
                invalid_note(i, "has track " + std::to_string(note.track) + " outside 0..65534");
            track_count = std::max(track_count, note.track + 1);
        }
    }
    if (options.format == 1)
        track_count =
            std::max(track_count, int(std::min<size_t>(options.track_names.size(), 0xFFFF)));
    return track_count;
}

// The events of each track, unsorted: names, the conductor's time signature
// and tempi, and every note as a note-on and a note-off.
inline std::vector<std::vector<WriteEvent>> plan_events(const std::vector<Note>& notes,
                                                        const MidiWriteOptions& options,
                                                        int track_count) {
    // Rank notes by (start_tick, end_tick, input order): within each key this
    // is the FIFO order the reader will pair them in.
    std::vector<uint32_t> rank_order(notes.size());
    for (size_t i = 0; i < notes.size(); ++i) rank_order[i] = uint32_t(i);
    std::stable_sort(rank_order.begin(), rank_order.end(), [&](uint32_t a, uint32_t b) {
        if (notes[a].start_tick != notes[b].start_tick)
            return notes[a].start_tick < notes[b].start_tick;
        return notes[a].end_tick < notes[b].end_tick;
    });
    std::vector<std::vector<WriteEvent>> tracks(static_cast<size_t>(track_count));
    for (int t = 0; t < track_count; ++t)
        if (size_t(t) < options.track_names.size() && !options.track_names[size_t(t)].empty())
            tracks[size_t(t)].push_back(WriteEvent{0, -1, 0, WriteEvent::name, 0});
    std::vector<WriteEvent>& conductor = tracks[0];
    conductor.push_back(WriteEvent{0, -1, 1, WriteEvent::time_signature, 0});
    conductor.push_back(WriteEvent{0, -1, 2, WriteEvent::tempo, options.microseconds_per_quarter});
    for (size_t i = 0; i < options.tempo_changes.size(); ++i)
        conductor.push_back(WriteEvent{options.tempo_changes[i].tick, -1, 3 + i, WriteEvent::tempo,
                                       options.tempo_changes[i].microseconds_per_quarter});
    for (size_t rank = 0; rank < rank_order.size(); ++rank) {
        const uint32_t index = rank_order[rank];
        const Note& note = notes[index];
        std::vector<WriteEvent>& events = tracks[options.format == 1 ? size_t(note.track) : 0];
        if (note.start_tick == note.end_tick) {
            events.push_back(WriteEvent{note.start_tick, 1, 2 * rank, WriteEvent::note_on, index});
            events.push_back(
                WriteEvent{note.start_tick, 1, 2 * rank + 1, WriteEvent::note_off, index});
        } else {
            events.push_back(WriteEvent{note.start_tick, 2, rank, WriteEvent::note_on, index});
            events.push_back(WriteEvent{note.end_tick, 0, rank, WriteEvent::note_off, index});
        }
    }
    return tracks;
}

// Appends one MTrk chunk holding `events` (sorted here) to `out`.
inline void write_track(std::vector<uint8_t>& out, std::vector<WriteEvent>& events,
                        const std::vector<Note>& notes, const MidiWriteOptions& options,
                        int track) {
    std::sort(events.begin(), events.end(), [](const WriteEvent& a, const WriteEvent& b) {
        if (a.tick != b.tick) return a.tick < b.tick;
        if (a.order != b.order) return a.order < b.order;
        return a.sequence < b.sequence;
    });
    out.insert(out.end(), {'M', 'T', 'r', 'k', 0, 0, 0, 0});
    const size_t body = out.size();
    int64_t tick = 0;
    unsigned running_status = 0;  // re-sent after every meta, for readers that reset it there
    int program[16];
    std::fill(std::begin(program), std::end(program), -1);
    for (const WriteEvent& event : events) {
        const int64_t delta = event.tick - tick;
        if (delta > 0x0FFFFFFF)
            throw Error("encode_midi: a gap of " + std::to_string(delta) +
                        " ticks between events is longer than a delta time can hold");
        tick = event.tick;
        put_vlq(out, uint32_t(delta));
        if (event.kind == WriteEvent::name) {
            const std::string& name = options.track_names[size_t(track)];
            const size_t length = std::min<size_t>(name.size(), 0x0FFFFFFF);
            out.insert(out.end(), {0xFF, 0x03});
            put_vlq(out, uint32_t(length));
            out.insert(out.end(), name.begin(), name.begin() + std::ptrdiff_t(length));
            running_status = 0;
        } else if (event.kind == WriteEvent::time_signature) {
            const TimeSignature& s = options.time_signature;
            uint8_t power = 0;
            while ((1 << power) < s.denominator) ++power;
            out.insert(out.end(),
                       {0xFF, 0x58, 0x04, uint8_t(s.numerator), power, uint8_t(s.clocks_per_click),
                        uint8_t(s.thirty_seconds_per_quarter)});
            running_status = 0;
        } else if (event.kind == WriteEvent::tempo) {
            out.insert(out.end(), {0xFF, 0x51, 0x03, uint8_t(event.value >> 16),
                                   uint8_t(event.value >> 8), uint8_t(event.value)});
            running_status = 0;
        } else {
            const Note& note = notes[event.value];
            const unsigned channel = unsigned(note.channel);
            if (event.kind == WriteEvent::note_on && program[channel] != note.program) {
                out.insert(out.end(), {uint8_t(0xC0 | channel), uint8_t(note.program)});
                program[channel] = note.program;
                running_status = 0xC0 | channel;
                out.push_back(0);  // delta time of the note-on that follows
            }
            // Note-offs are written as note-on velocity 0, so running status covers both.
            const unsigned status = 0x90 | channel;
            if (status != running_status) out.push_back(uint8_t(status));
            running_status = status;
            out.push_back(uint8_t(note.pitch));
            out.push_back(event.kind == WriteEvent::note_on ? uint8_t(note.velocity) : uint8_t(0));
        }
    }
    out.insert(out.end(), {0x00, 0xFF, 0x2F, 0x00});
    const size_t length = out.size() - body;
    if (length > 0xFFFFFFFFu) throw Error("encode_midi: a track is longer than 4 GiB");
    for (int i = 0; i < 4; ++i) out[body - 4 + size_t(i)] = uint8_t(length >> (24 - 8 * i));
}

}  // namespace detail

// Encodes `notes` as the bytes of a Standard MIDI File.
inline std::vector<uint8_t> encode_midi(const std::vector<Note>& notes,
                                        const MidiWriteOptions& options = {}) {
    detail::check_options(options);
    const int track_count = detail::check_notes(notes, options);
    std::vector<std::vector<detail::WriteEvent>> tracks =
        detail::plan_events(notes, options, track_count);
    std::vector<uint8_t> out;
    out.reserve(14 + size_t(track_count) * 16 + notes.size() * 8);
    const uint8_t header[] = {'M',
                              'T',
                              'h',
                              'd',
                              0,
                              0,
                              0,
                              6,
                              0,
                              uint8_t(options.format),
                              uint8_t(track_count >> 8),
                              uint8_t(track_count),
                              uint8_t(options.ticks_per_quarter >> 8),
                              uint8_t(options.ticks_per_quarter)};
    out.insert(out.end(), std::begin(header), std::end(header));
    for (int t = 0; t < track_count; ++t)
        detail::write_track(out, tracks[size_t(t)], notes, options, t);
    return out;
}

// Writes `notes` to `path` through a temporary file in the same folder that
// is renamed over `path` once complete. Throws cadenza::Error for
// invalid notes or options, and when writing fails.
inline void write_midi(const std::string& path, const std::vector<Note>& notes,
                       const MidiWriteOptions& options = {}) {
    namespace fs = std::filesystem;
    const std::vector<uint8_t> bytes = encode_midi(notes, options);
    const fs::path target(path);
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    fs::path temporary = target;
    temporary += ".tmp-" + std::to_string(stamp) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(&bytes) & 0xFFFFFF);

    std::FILE* file = std::fopen(temporary.string().c_str(), "wb");
    if (!file)
        throw Error("write_midi: " + path + ": could not create the temporary file " +
                    temporary.string());
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
    const bool flushed = std::fflush(file) == 0;
    const bool closed = std::fclose(file) == 0;
    std::error_code error;
    if (!(written && flushed && closed)) {
        fs::remove(temporary, error);
        throw Error("write_midi: " + path + ": writing " + std::to_string(bytes.size()) +
                    " bytes failed (disk full or not writable?)");
    }
    fs::rename(temporary, target, error);
    if (error) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        throw Error("write_midi: " + path + ": could not rename the temporary file over it (" +
                    error.message() + ")");
    }
}

}  // namespace cadenza::midi
