// cadenza/midi/midi_reader.hpp: reads Standard MIDI Files (and RIFF-wrapped
// .rmi files) into a MidiFile: paired notes with their seconds, the tempo map,
// time and key signatures, track names and the harmless flaws that were met.
//
//   MidiFile parse_midi(const uint8_t* data, size_t size, const std::string& name);
//   MidiFile read_midi(const std::string& path);
//
// What is read:
// - formats 0, 1 and 2; ticks-per-quarter or SMPTE division (24, 25, 29 = 29.97
//   and 30 frames per second);
// - every channel message with its real data length; running status, kept
//   across meta events and cancelled by sysex (F0, F7) and system common bytes;
// - meta events: tempo (FF 51), time signature (FF 58), key signature (FF 59),
//   end of track (FF 2F), track name (FF 03, the first one of each track);
//   other metas and all sysex are skipped by their length;
// - chunks other than MTrk with a printable 4-character name are skipped.
//
// How notes are formed:
// - a note-on with velocity 0 is a note-off;
// - note-offs pair with note-ons first-in-first-out per (track, channel,
//   pitch), in file order; a note-off with nothing sounding is ignored (one
//   warning per track says how many); zero-length notes are kept;
// - note-ons still sounding when their track ends go to MidiFile::unterminated,
//   never to notes and never with an invented end;
// - Note::program is the last program change on that channel in the same
//   track before the note-on (0 when none), as most MIDI libraries do;
// - seconds come from the tempo map: in formats 0 and 1 a tempo change in any
//   track applies to every track; in format 2 each track keeps its own map;
//   SMPTE division ignores tempo (seconds = ticks / (fps * ticks_per_frame)).
//   Seconds are computed exactly from integer ticks and microseconds, with a
//   single rounding, so long files do not drift.
//
// Order of MidiFile::notes and MidiFile::unterminated: ascending
// (start_tick, track, channel, pitch); notes equal in all four keep the order
// of their note-ons in the file (which is also their FIFO pairing order).
// tempo_map, time_signatures and key_signatures: ascending tick, ties in
// track order, then file order.
//
// Malformed input throws MidiError (file, byte offset, one sentence). Known
// harmless flaws are read and reported in MidiFile::warnings: a missing
// end-of-track event, an end-of-track before the chunk's end (the rest is
// skipped), trailing bytes after the last track, fewer MTrk chunks than the
// header announces, note-offs without a sounding note, malformed
// tempo/time/key signature metas (ignored), and a format 0 header announcing
// several tracks (every track present is read, as format 1).
//
// Speed: one pass over the byte buffer; the hot loop does no heap allocation
// beyond amortised growth of the output vectors.
#pragma once

#include "cadenza/midi/midi_types.hpp"
#include "cadenza/midi/note_order.hpp"
#include "cadenza/midi/smf_bytes.hpp"
#include "cadenza/midi/tempo_clock.hpp"
#include "cadenza/midi/track_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

namespace cadenza::midi {

namespace detail {

class SmfReader {
public:
    SmfReader(const uint8_t* data, size_t size, const std::string& name)
        : data_(data), size_(size), name_(name) {}

    MidiFile read() {
        out_.name = name_;
        if (size_ == 0)
            fail(0, "the file is empty; expected a Standard MIDI File starting with 'MThd'");
        if (data_ == nullptr) fail(0, "no bytes were given to read");
        size_t begin = 0, end = size_;
        if (size_ >= 4 && std::memcmp(data_, "RIFF", 4) == 0) unwrap_riff(begin, end);
        // A note takes at least 6 bytes (delta, key and velocity for on and
        // off), so this bounds the notes by the bytes actually present.
        notes_.reserve((end - begin) / 6 + 8);
        read_smf(begin, end);
        finish();
        return std::move(out_);
    }

private:
    [[noreturn]] void fail(size_t offset, const std::string& what) const {
        throw MidiError(name_, offset, what);
    }

    size_t offset_of(const uint8_t* p) const { return size_t(p - data_); }

    void warn(const std::string& text) { out_.warnings.push_back(text); }

    // RIFF "RMID" files wrap an SMF in their "data" chunk.
    void unwrap_riff(size_t& begin, size_t& end) {
        if (size_ < 12)
            fail(size_, "the RIFF file is truncated: its 12-byte RIFF header is incomplete");
        if (std::memcmp(data_ + 8, "RMID", 4) != 0)
            fail(8, "the file is a RIFF file but not RIFF MIDI; expected form type 'RMID'");
        // The RIFF size may be wrong in real files; the sub-chunks are bounded by the bytes present.
        size_t pos = 12;
        while (pos + 8 <= size_) {
            const uint32_t length = little_endian_32(data_ + pos + 4);
            if (length > size_ - pos - 8)
                fail(pos + 4, "the RIFF chunk length " + std::to_string(length) +
                                  " runs past the end of the file (" +
                                  std::to_string(size_ - pos - 8) + " bytes remain)");
            if (std::memcmp(data_ + pos, "data", 4) == 0) {
                begin = pos + 8;
                end = begin + length;
                return;
            }
            pos += 8 + size_t(length) + (length & 1);  // RIFF chunks are padded to an even length
        }
        fail(size_, "the RIFF MIDI file has no 'data' chunk holding a Standard MIDI File");
    }

    void read_smf(size_t begin, size_t end) {
        const uint8_t* const d = data_;
        const size_t available = end - begin;
        if (available < 4 || std::memcmp(d + begin, "MThd", 4) != 0) {
            if (available < 4 && std::memcmp(d + begin, "MThd", available) == 0)
                fail(end, "the file is truncated inside its 'MThd' chunk name");
            std::string found;
            for (size_t i = 0; i < 4 && i < available; ++i)
                found += (i ? " " : "") + hex_byte(d[begin + i]);
            fail(begin,
                 "not a Standard MIDI File: expected 'MThd' (or a RIFF RMID header) but found " +
                     found);
        }
        if (end - begin < 8) fail(end, "the file is truncated inside the 'MThd' header length");
        const uint32_t header_length = big_endian_32(d + begin + 4);
        if (header_length < 6)
            fail(begin + 4, "the 'MThd' header length is " + std::to_string(header_length) +
                                "; expected at least 6");
        if (header_length > end - begin - 8)
            fail(begin + 4, "the 'MThd' header length " + std::to_string(header_length) +
                                " runs past the end of the file (" +
                                std::to_string(end - begin - 8) + " bytes remain)");
        const size_t header = begin + 8;
        const unsigned format = big_endian_16(d + header);
        const unsigned declared_tracks = big_endian_16(d + header + 2);
        const uint8_t division_high = d[header + 4], division_low = d[header + 5];
        if (format > 2)
            fail(header, "the MIDI format is " + std::to_string(format) + "; expected 0, 1 or 2");
        if (declared_tracks == 0)
            fail(header + 2, "the header announces zero tracks; expected at least one");
        out_.format = int(format);
        if (format == 0 && declared_tracks > 1) {  // as other readers do: every MTrk, as format 1
            out_.format = 1;
            warn("the header announces format 0 with " + std::to_string(declared_tracks) +
                 " tracks; a format 0 file has one, so every track present was read as format 1");
        }
        if (division_high & 0x80) {
            const int fps = -int(int8_t(division_high));
            if (fps != 24 && fps != 25 && fps != 29 && fps != 30)
                fail(header + 4, "the SMPTE division has " + std::to_string(fps) +
                                     " frames per second; expected 24, 25, 29 or 30");
            if (division_low == 0) fail(header + 5, "the SMPTE division has zero ticks per frame");
            out_.division.smpte = true;
            out_.division.ticks_per_quarter = 0;
            out_.division.frames_per_second = fps;
            out_.division.ticks_per_frame = division_low;
        } else {
            const int ticks_per_quarter = (division_high << 8) | division_low;
            if (ticks_per_quarter == 0)
                fail(header + 4, "the time division is zero ticks per quarter note");
            out_.division.ticks_per_quarter = ticks_per_quarter;
        }

        // Chunks: MTrk until the announced count; others with printable names are skipped.
        size_t pos = header + header_length;
        int tracks_read = 0;
        while (tracks_read < int(declared_tracks)) {
            const size_t remaining = end - pos;
            if (remaining == 0) break;
            if (remaining < 8) {
                if (tracks_read == 0)
                    fail(pos, "the file is truncated inside a chunk header; expected 8 bytes but " +
                                  std::to_string(remaining) + " remain");
                break;  // reported below as trailing bytes after fewer tracks
            }
            if (!printable_chunk_name(d + pos))
                fail(pos, "expected a chunk name of 4 printable ASCII characters but found " +
                              chunk_name_text(d + pos));
            const uint32_t length = big_endian_32(d + pos + 4);
            if (length > remaining - 8)
                fail(pos + 4, "the chunk length " + std::to_string(length) +
                                  " runs past the end of the file (" +
                                  std::to_string(remaining - 8) + " bytes remain)");
            const size_t chunk_begin = pos + 8, chunk_end = chunk_begin + length;
            if (std::memcmp(d + pos, "MTrk", 4) == 0) {
                tracks_.read(chunk_begin, chunk_end, tracks_read, pos);
                ++tracks_read;
            }
            pos = chunk_end;
        }
        if (tracks_read == 0)
            fail(pos, "the file ends before its first 'MTrk' chunk; the header announces " +
                          std::to_string(declared_tracks) + " track(s)");
        if (tracks_read < int(declared_tracks))
            warn("the header announces " + std::to_string(declared_tracks) + " tracks but only " +
                 std::to_string(tracks_read) + " MTrk chunks are present; read those");
        if (pos < end)
            warn(std::to_string(end - pos) + " trailing bytes after the last track at byte " +
                 std::to_string(pos) + " were ignored");
        out_.track_count = tracks_read;
    }

    void finish() {
        // Tempo changes are in file order here: by track, then by tick, which
        // gives each format 2 track its own contiguous map.
        std::vector<TempoChange> tempo_by_track;
        if (out_.format == 2 && !out_.division.smpte) tempo_by_track = out_.tempo_map;
        auto by_tick = [](const auto& a, const auto& b) { return a.tick < b.tick; };
        std::stable_sort(out_.tempo_map.begin(), out_.tempo_map.end(), by_tick);
        std::stable_sort(out_.time_signatures.begin(), out_.time_signatures.end(), by_tick);
        std::stable_sort(out_.key_signatures.begin(), out_.key_signatures.end(), by_tick);

        time_all_notes(tempo_by_track);

        std::stable_sort(out_.unterminated.begin(), out_.unterminated.end(), NoteKeyLess{});
        out_.notes = order_notes(std::move(notes_), out_.track_count);
    }

    // Seconds: one map for formats 0 and 1, one per track in format 2.
    // Notes (and unterminated notes) are still grouped by track here, in
    // track order, each track in note-on order, so the tempo segment is found
    // by a forward cursor. `tempo_by_track`: format 2's changes in file order.
    void time_all_notes(const std::vector<TempoChange>& tempo_by_track) {
        if (out_.format == 2 && !out_.division.smpte) {
            const TempoChange* const changes = tempo_by_track.data();
            const TempoChange* const changes_end = changes + tempo_by_track.size();
            size_t note = 0, open = 0;
            std::vector<UnterminatedNote>& unterminated = out_.unterminated;
            for (const TempoChange* first = changes;
                 note < notes_.size() || open < unterminated.size();) {
                const int track = std::min(
                    note < notes_.size() ? notes_[note].track : out_.track_count,
                    open < unterminated.size() ? unterminated[open].track : out_.track_count);
                while (first != changes_end && first->track < track) ++first;
                const TempoChange* last = first;
                while (last != changes_end && last->track == track) ++last;
                const TempoClock clock(out_.division, first, last);
                const size_t begin = note;
                while (note < notes_.size() && notes_[note].track == track) ++note;
                time_notes(clock, begin, note);
                for (; open < unterminated.size() && unterminated[open].track == track; ++open)
                    unterminated[open].start_s = clock.seconds(unterminated[open].start_tick);
                first = last;
            }
        } else {
            const TempoChange* const changes = out_.tempo_map.data();
            const TempoClock clock(out_.division, changes, changes + out_.tempo_map.size());
            time_notes(clock, 0, notes_.size());
            for (UnterminatedNote& note : out_.unterminated)
                note.start_s = clock.seconds(note.start_tick);
        }
    }

    void time_notes(const TempoClock& clock, size_t begin, size_t end) {
        size_t segment = 0;
        for (size_t i = begin; i < end; ++i) {
            Note& note = notes_[i];
            segment = clock.segment_of(note.start_tick, segment);
            note.start_s = clock.seconds_in(note.start_tick, segment);
            note.end_s = clock.seconds_in(note.end_tick, clock.segment_of(note.end_tick, segment));
        }
    }

    const uint8_t* data_;
    size_t size_;
    const std::string& name_;
    MidiFile out_;
    std::vector<Note> notes_;
    TrackReader tracks_{data_, name_, out_, notes_};
};

}  // namespace detail

// Parses the bytes of a Standard MIDI File (or RIFF RMID file); `name` labels
// error messages and MidiFile::name.
inline MidiFile parse_midi(const uint8_t* data, size_t size, const std::string& name) {
    return detail::SmfReader(data, size, name).read();
}

inline MidiFile parse_midi(const std::vector<uint8_t>& bytes, const std::string& name) {
    return parse_midi(bytes.data(), bytes.size(), name);
}

// The largest file read_midi accepts. Real MIDI files are kilobytes (the 92
// files of the paper's data set are at most 100 KB); a larger "MIDI file" is
// almost surely something else, and reading it would cost memory in proportion.
constexpr uint64_t kMaxMidiFileBytes = uint64_t(64) << 20;  // 64 MiB

// Reads and parses the file at `path` (symlinks followed). Refused with a
// MidiError naming the file, before anything large is read: a file that cannot
// be opened, a folder, anything but a regular file (a device such as
// /dev/zero, a FIFO, a socket), a file over kMaxMidiFileBytes, and one whose
// first bytes are not "MThd" or "RIFF".
inline MidiFile read_midi(const std::string& path) {
    // Non-blocking, so that opening a FIFO does not wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        throw MidiError(path, 0,
                        "the file could not be opened for reading (" +
                            std::generic_category().message(errno) + ")");
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0)
        throw MidiError(
            path, 0,
            "the file could not be examined (" + std::generic_category().message(errno) + ")");
    if (S_ISDIR(info.st_mode)) throw MidiError(path, 0, "is a folder, not a MIDI file");
    if (!S_ISREG(info.st_mode))
        throw MidiError(path, 0,
                        "is not a regular file (a device, FIFO or socket); expected a MIDI file");
    const uint64_t size = uint64_t(info.st_size);
    if (size > kMaxMidiFileBytes)
        throw MidiError(path, 0,
                        "the file holds " + std::to_string(size) + " bytes; MIDI files over " +
                            std::to_string(kMaxMidiFileBytes >> 20) + " MiB are refused");
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    auto read_up_to = [&](size_t& got, size_t want) {
        while (got < want) {
            const ssize_t n = ::read(fd, bytes.data() + got, want - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                throw MidiError(
                    path, got,
                    "the file could not be read (" + std::generic_category().message(errno) + ")");
            if (n == 0) return;  // shorter than it was a moment ago
            got += size_t(n);
        }
    };
    size_t got = 0;
    read_up_to(got, std::min<size_t>(bytes.size(), 8));
    // The first bytes decide before the rest is read: not MIDI, and the
    // parser names what it found at byte 0.
    const bool midi = got >= 4 && (std::memcmp(bytes.data(), "MThd", 4) == 0 ||
                                   std::memcmp(bytes.data(), "RIFF", 4) == 0);
    if (midi) read_up_to(got, bytes.size());
    bytes.resize(got);
    return parse_midi(bytes.data(), bytes.size(), path);
}

}  // namespace cadenza::midi
