// cadenza/midi/midi_types.hpp: what a Standard MIDI File holds once read.
//
// The reader (midi_reader.hpp) fills these; the writer (midi_writer.hpp) writes
// them back; cadenza/music/ turns notes into the paper's tokens. Plain structs,
// no behaviour: other projects can use the MIDI module (cadenza::midi) without
// the rest of Cadenza; it needs only cadenza/error.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cadenza/error.hpp"

namespace cadenza::midi {

// One sounding note: a note-on paired with its note-off.
struct Note {
    int track = 0;      // index of the MTrk chunk it came from
    int channel = 0;    // 0..15 (channel 10 in musicians' numbering is 9 here: drums)
    int program = 0;    // General MIDI program in force on that channel at note-on, 0..127
    int pitch = 60;     // MIDI key number, 0..127 (60 is middle C, "C4")
    int velocity = 64;  // 1..127
    int sequence =
        0;  // its note-on's place among the note-ons of its track, in file order (from 0)
    int64_t start_tick = 0;
    int64_t end_tick = 0;  // >= start_tick; equal for a zero-length note
    double start_s = 0.0;  // through the tempo map
    double end_s = 0.0;
};

// A note-on that was never switched off before its track ended.
struct UnterminatedNote {
    int track = 0;
    int channel = 0;
    int program = 0;
    int pitch = 60;
    int velocity = 64;
    int64_t start_tick = 0;
    double start_s = 0.0;
};

struct TempoChange {
    int track = 0;  // track that carried the Set Tempo event
    int64_t tick = 0;
    uint32_t microseconds_per_quarter = 500000;  // 120 bpm
};

struct TimeSignature {
    int track = 0;
    int64_t tick = 0;
    int numerator = 4;
    int denominator = 4;  // the real denominator (4), not the file's power of two (2)
    int clocks_per_click = 24;
    int thirty_seconds_per_quarter = 8;
};

struct KeySignature {
    int track = 0;
    int64_t tick = 0;
    int sharps = 0;  // -7..7, negative for flats
    bool minor = false;
};

// A program change, or a track-name (meta 0x03) or instrument-name (meta 0x04)
// event: what music21 turns into an Instrument object, and what
// partitionByInstrument groups tracks by (tokenize.hpp). Program changes are
// common; names are not, so only they carry text.
struct InstrumentEvent {
    enum class Kind { program_change, track_name, instrument_name };
    Kind kind = Kind::program_change;
    int track = 0;
    int channel = -1;  // program change: 0..15 (9 is drums); names: -1
    int64_t tick = 0;
    int program = 0;   // program change: 0..127; names: 0
    std::string text;  // names: the event's bytes as stored (not decoded); program change: ""
};

// Time division from the header: either ticks per quarter note or SMPTE.
struct Division {
    bool smpte = false;
    int ticks_per_quarter = 480;  // when !smpte
    int frames_per_second = 0;    // when smpte: 24, 25, 29 (29.97 drop frame) or 30
    int ticks_per_frame = 0;      // when smpte
};

struct MidiFile {
    std::string name;  // the path or label the bytes were read from, for messages
    int format = 1;    // 0, 1 or 2
    Division division;
    std::vector<Note> notes;  // sorted by (start_tick, track, channel, pitch)
    std::vector<UnterminatedNote> unterminated;
    std::vector<TempoChange> tempo_map;  // in tick order
    std::vector<TimeSignature> time_signatures;
    std::vector<KeySignature> key_signatures;
    std::vector<std::string> track_names;  // one per track ("" where none)
    std::vector<InstrumentEvent>
        instrument_events;              // program changes and names, track by track in file order
    std::vector<std::string> warnings;  // harmless flaws that were tolerated
    int track_count = 0;
};

// Every malformed input is reported as one of these: one sentence naming the
// file, the byte offset and what was expected there.
class MidiError : public Error {
public:
    MidiError(const std::string& file, uint64_t offset, const std::string& what)
        : Error(file + ": byte " + std::to_string(offset) + ": " + what),
          file_(file),
          offset_(offset) {}
    const std::string& file() const { return file_; }
    uint64_t offset() const { return offset_; }

private:
    std::string file_;
    uint64_t offset_;
};

}  // namespace cadenza::midi
