// cadenza/music/midi_reader.hpp: reads Standard MIDI Files (and RIFF-wrapped
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
// header announces, note-offs without a sounding note and malformed
// tempo/time/key signature metas (ignored).
//
// Speed: one pass over the byte buffer; the hot loop does no heap allocation
// beyond amortised growth of the output vectors.
#pragma once

#include "midi_types.hpp"

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

inline std::string hex_byte(unsigned value) {
    static const char digits[] = "0123456789ABCDEF";
    std::string text = "0x";
    text += digits[(value >> 4) & 0xF];
    text += digits[value & 0xF];
    return text;
}

inline uint32_t big_endian_32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline uint32_t little_endian_32(const uint8_t* p) {
    return (uint32_t(p[3]) << 24) | (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | uint32_t(p[0]);
}
inline uint16_t big_endian_16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }

inline bool printable_chunk_name(const uint8_t* p) {
    for (int i = 0; i < 4; ++i)
        if (p[i] < 0x20 || p[i] > 0x7E) return false;
    return true;
}

inline std::string chunk_name_text(const uint8_t* p) {
    std::string text;
    for (int i = 0; i < 4; ++i) {
        if (i) text += ' ';
        text += hex_byte(p[i]);
    }
    return text;
}

// Name of a channel message kind (the status byte's high nibble), for errors.
inline const char* channel_message_name(unsigned kind) {
    switch (kind) {
        case 0x8: return "note-off";
        case 0x9: return "note-on";
        case 0xA: return "poly aftertouch";
        case 0xB: return "control change";
        case 0xC: return "program change";
        case 0xD: return "channel pressure";
        default: return "pitch bend";
    }
}

// Ticks to seconds through one tempo map. Elapsed time is kept as an exact
// integer count of (microseconds * ticks_per_quarter), so a time is one
// integer sum and a single division: no error accumulates across segments.
// Sums that would overflow 64 bits (only absurd inputs) fall back to long
// double.
class TempoClock {
public:
    // [first, last) must be sorted by tick; later entries at the same tick win.
    TempoClock(const Division& division, const TempoChange* first, const TempoChange* last)
        : smpte_(division.smpte) {
        if (smpte_) {
            // 29 means 29.97 drop frame: the frame rate its timecode keeps to
            // (17982 frames per 10 minutes).
            if (division.frames_per_second == 29)
                smpte_ticks_per_second_ = 29.97 * division.ticks_per_frame;
            else
                smpte_ticks_per_second_ = double(division.frames_per_second) * division.ticks_per_frame;
            return;
        }
        ticks_per_quarter_ = uint64_t(division.ticks_per_quarter);
        denominator_ = double(division.ticks_per_quarter) * 1e6;
        segments_.push_back(Segment{0, 500000, 0, 0.0L, true, 0});
        for (; first != last; ++first) {
            const TempoChange& change = *first;
            Segment& last = segments_.back();
            if (change.tick == last.tick) {
                last.microseconds_per_quarter = change.microseconds_per_quarter;
                last.exact_ticks = exact_limit(last);
                continue;
            }
            Segment next;
            next.tick = change.tick;
            next.microseconds_per_quarter = change.microseconds_per_quarter;
            const uint64_t ticks = uint64_t(change.tick - last.tick);
            next.elapsed_wide = last.elapsed_wide + (long double)ticks * last.microseconds_per_quarter;
            next.exact = last.exact && fits(last.elapsed, ticks, last.microseconds_per_quarter);
            next.elapsed = next.exact ? last.elapsed + ticks * last.microseconds_per_quarter : 0;
            next.exact_ticks = exact_limit(next);
            segments_.push_back(next);
        }
        segments_.front().exact_ticks = exact_limit(segments_.front());
    }

    // Index of the segment holding `tick`, searching forward from `hint`
    // (callers that ask in rising tick order pass the last answer).
    size_t segment_of(int64_t tick, size_t hint = 0) const {
        const size_t count = segments_.size();
        if (hint >= count || segments_[hint].tick > tick) hint = 0;
        for (int step = 0; step < 4; ++step) {
            if (hint + 1 >= count || segments_[hint + 1].tick > tick) return hint;
            ++hint;
        }
        auto it = std::upper_bound(segments_.begin() + std::ptrdiff_t(hint), segments_.end(), tick,
                                   [](int64_t t, const Segment& s) { return t < s.tick; });
        return size_t(it - segments_.begin()) - 1;
    }

    double seconds(int64_t tick) const { return smpte_ ? double(tick) / smpte_ticks_per_second_ : seconds_in(tick, segment_of(tick)); }

    // Seconds of `tick`, which must lie in segment `index` (from segment_of).
    double seconds_in(int64_t tick, size_t index) const {
        if (smpte_) return double(tick) / smpte_ticks_per_second_;
        const Segment& segment = segments_[index];
        const uint64_t ticks = uint64_t(tick - segment.tick);
        if (ticks <= segment.exact_ticks) {
            const uint64_t elapsed = segment.elapsed + ticks * segment.microseconds_per_quarter;
            if (elapsed < (uint64_t(1) << 53)) return double(elapsed) / denominator_;  // one rounding
            return double(elapsed / ticks_per_quarter_) / 1e6 +
                   double(elapsed % ticks_per_quarter_) / denominator_;
        }
        const long double elapsed = segment.elapsed_wide + (long double)ticks * segment.microseconds_per_quarter;
        return double(elapsed / ((long double)ticks_per_quarter_ * 1e6L));
    }

private:
    struct Segment {
        int64_t tick;
        uint32_t microseconds_per_quarter;
        uint64_t elapsed;            // microseconds * ticks_per_quarter at `tick`, when exact
        long double elapsed_wide;    // the same, approximately, for the overflow fallback
        bool exact;
        uint64_t exact_ticks;        // ticks into the segment whose time still fits 64 bits
    };
    static uint64_t exact_limit(const Segment& s) {
        if (!s.exact) return 0;
        if (s.microseconds_per_quarter == 0) return std::numeric_limits<uint64_t>::max();
        return (std::numeric_limits<uint64_t>::max() - s.elapsed) / s.microseconds_per_quarter;
    }
    static bool fits(uint64_t elapsed, uint64_t ticks, uint32_t tempo) {
        const uint64_t limit = std::numeric_limits<uint64_t>::max();
        if (tempo != 0 && ticks > (limit - elapsed) / tempo) return false;
        return true;
    }

    bool smpte_ = false;
    double smpte_ticks_per_second_ = 1.0;
    uint64_t ticks_per_quarter_ = 480;
    double denominator_ = 480e6;
    std::vector<Segment> segments_;
};

// Index of a note-on that waits for its note-off; links form one FIFO queue
// per (channel, pitch) of the track being read.
constexpr uint32_t no_note = 0xFFFFFFFFu;

class SmfReader {
public:
    SmfReader(const uint8_t* data, size_t size, const std::string& name)
        : data_(data), size_(size), name_(name) {}

    MidiFile read() {
        out_.name = name_;
        if (size_ == 0) fail(0, "the file is empty; expected a Standard MIDI File starting with 'MThd'");
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
    [[noreturn]] void fail(size_t offset, const std::string& what) const { throw MidiError(name_, offset, what); }

    size_t offset_of(const uint8_t* p) const { return size_t(p - data_); }

    void warn(const std::string& text) { out_.warnings.push_back(text); }

    // RIFF "RMID" files wrap an SMF in their "data" chunk.
    void unwrap_riff(size_t& begin, size_t& end) {
        if (size_ < 12) fail(size_, "the RIFF file is truncated: its 12-byte RIFF header is incomplete");
        if (std::memcmp(data_ + 8, "RMID", 4) != 0)
            fail(8, "the file is a RIFF file but not RIFF MIDI; expected form type 'RMID'");
        // The RIFF size may be wrong in real files; the sub-chunks are bounded by the bytes present.
        size_t pos = 12;
        while (pos + 8 <= size_) {
            const uint32_t length = little_endian_32(data_ + pos + 4);
            if (length > size_ - pos - 8)
                fail(pos + 4, "the RIFF chunk length " + std::to_string(length) + " runs past the end of the file (" +
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
            for (size_t i = 0; i < 4 && i < available; ++i) found += (i ? " " : "") + hex_byte(d[begin + i]);
            fail(begin, "not a Standard MIDI File: expected 'MThd' (or a RIFF RMID header) but found " + found);
        }
        if (end - begin < 8) fail(end, "the file is truncated inside the 'MThd' header length");
        const uint32_t header_length = big_endian_32(d + begin + 4);
        if (header_length < 6)
            fail(begin + 4, "the 'MThd' header length is " + std::to_string(header_length) + "; expected at least 6");
        if (header_length > end - begin - 8)
            fail(begin + 4, "the 'MThd' header length " + std::to_string(header_length) +
                                " runs past the end of the file (" + std::to_string(end - begin - 8) +
                                " bytes remain)");
        const size_t header = begin + 8;
        const unsigned format = big_endian_16(d + header);
        const unsigned declared_tracks = big_endian_16(d + header + 2);
        const uint8_t division_high = d[header + 4], division_low = d[header + 5];
        if (format > 2) fail(header, "the MIDI format is " + std::to_string(format) + "; expected 0, 1 or 2");
        if (declared_tracks == 0) fail(header + 2, "the header announces zero tracks; expected at least one");
        if (format == 0 && declared_tracks > 1)
            fail(header + 2, "a format 0 file must have exactly one track but the header announces " +
                                 std::to_string(declared_tracks));
        out_.format = int(format);
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
            if (ticks_per_quarter == 0) fail(header + 4, "the time division is zero ticks per quarter note");
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
                fail(pos, "expected a chunk name of 4 printable ASCII characters but found " + chunk_name_text(d + pos));
            const uint32_t length = big_endian_32(d + pos + 4);
            if (length > remaining - 8)
                fail(pos + 4, "the chunk length " + std::to_string(length) + " runs past the end of the file (" +
                                  std::to_string(remaining - 8) + " bytes remain)");
            const size_t chunk_begin = pos + 8, chunk_end = chunk_begin + length;
            if (std::memcmp(d + pos, "MTrk", 4) == 0) {
                read_track(chunk_begin, chunk_end, tracks_read, pos);
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
            warn(std::to_string(end - pos) + " trailing bytes after the last track at byte " + std::to_string(pos) +
                 " were ignored");
        out_.track_count = tracks_read;
    }

    // Reads a VLQ of at most 4 bytes that must end before `stop`; one-byte
    // values (most delta times) take the inlined fast path.
    uint32_t read_vlq(const uint8_t*& p, const uint8_t* stop, const char* what) const {
        if (p < stop && *p < 0x80) return *p++;
        return read_long_vlq(p, stop, what);
    }
    uint32_t read_long_vlq(const uint8_t*& p, const uint8_t* stop, const char* what) const {
        const uint8_t* const start = p;
        uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            if (p >= stop)
                fail(offset_of(p), std::string("the track chunk ends inside a variable-length ") + what);
            const uint8_t b = *p++;
            value = (value << 7) | (b & 0x7Fu);
            if (!(b & 0x80)) return value;
        }
        fail(offset_of(start), std::string("the variable-length ") + what + " is longer than 4 bytes");
    }

    struct Malformed {
        size_t count = 0;
        size_t first_offset = 0;
    };
    void note_malformed(Malformed& malformed, const uint8_t* event) const {
        if (malformed.count++ == 0) malformed.first_offset = offset_of(event);
    }

    [[noreturn]] void fail_data_byte(const uint8_t* p, const char* message, const uint8_t* event) const {
        fail(offset_of(p), std::string("expected a data byte (below 0x80) of the ") + message + " at byte " +
                               std::to_string(offset_of(event)) + " but found status byte " + hex_byte(*p));
    }
    [[noreturn]] void fail_truncated(const uint8_t* stop, const char* message, const uint8_t* event) const {
        fail(offset_of(stop), std::string("the track chunk ends inside the ") + message + " that began at byte " +
                                  std::to_string(offset_of(event)));
    }

    void read_track(size_t begin, size_t end, int track, size_t chunk_offset) {
        const uint8_t* p = data_ + begin;
        const uint8_t* const stop = data_ + end;
        int64_t tick = 0;
        unsigned running_status = 0;
        uint8_t program[16] = {};
        const size_t first_note = notes_.size();
        size_t sounding = 0;
        size_t orphan_note_offs = 0;
        bool ended = false;
        bool named = false;
        // Malformed tempo, time and key signature metas: counted, warned once per track.
        Malformed malformed[3];
        out_.track_names.emplace_back();
        std::fill(std::begin(queue_head_), std::end(queue_head_), no_note);
        next_.clear();

        while (p < stop) {
            tick += read_vlq(p, stop, "delta time");
            if (p >= stop) fail(offset_of(p), "the track chunk ends after a delta time; expected an event");
            const uint8_t* const event = p;
            unsigned status = *p;
            if (status & 0x80) {
                ++p;
            } else {
                if (running_status == 0)
                    fail(offset_of(p), "found data byte " + hex_byte(status) +
                                           " where a status byte was expected (no running status is in effect)");
                status = running_status;
            }

            if (status < 0xF0) {
                running_status = status;
                const unsigned kind = status >> 4, channel = status & 0xF;
                if (kind == 0xC || kind == 0xD) {
                    if (p >= stop) fail_truncated(stop, channel_message_name(kind), event);
                    const uint8_t value = *p;
                    if (value & 0x80) fail_data_byte(p, channel_message_name(kind), event);
                    ++p;
                    if (kind == 0xC) {
                        program[channel] = value;
                        InstrumentEvent& change = out_.instrument_events.emplace_back();
                        change.track = track;
                        change.channel = int(channel);
                        change.tick = tick;
                        change.program = value;
                    }
                    continue;
                }
                if (stop - p < 2) {
                    if (p < stop && (*p & 0x80)) fail_data_byte(p, channel_message_name(kind), event);
                    fail_truncated(stop, channel_message_name(kind), event);
                }
                const uint8_t first = p[0], second = p[1];
                if (first & 0x80) fail_data_byte(p, channel_message_name(kind), event);
                if (second & 0x80) fail_data_byte(p + 1, channel_message_name(kind), event);
                p += 2;
                const unsigned key = (channel << 7) | first;
                if (kind == 0x9 && second != 0) {
                    if (notes_.size() >= size_t(no_note) - 1) fail(offset_of(event), "the file holds too many notes");
                    const uint32_t index = uint32_t(notes_.size());
                    Note& note = notes_.emplace_back();
                    note.track = track;
                    note.channel = int(channel);
                    note.program = program[channel];
                    note.pitch = first;
                    note.velocity = second;
                    note.sequence = int(index - first_note);
                    note.start_tick = tick;
                    note.end_tick = -1;  // sounding
                    next_.push_back(no_note);
                    if (queue_head_[key] == no_note)
                        queue_head_[key] = index;
                    else
                        next_[queue_tail_[key] - first_note] = index;
                    queue_tail_[key] = index;
                    ++sounding;
                } else if (kind == 0x8 || kind == 0x9) {
                    const uint32_t index = queue_head_[key];
                    if (index == no_note) {
                        ++orphan_note_offs;
                    } else {
                        notes_[index].end_tick = tick;
                        queue_head_[key] = next_[index - first_note];
                        --sounding;
                    }
                }
                continue;
            }

            switch (status) {
                case 0xFF: {  // meta event: running status stays in effect
                    if (p >= stop) fail_truncated(stop, "meta event", event);
                    const unsigned type = *p++;
                    const uint32_t length = read_vlq(p, stop, "meta event length");
                    if (length > size_t(stop - p))
                        fail(offset_of(event), "the meta event " + hex_byte(type) + " of length " +
                                                   std::to_string(length) + " runs past the end of its track chunk");
                    const uint8_t* const body = p;
                    p += length;
                    if (type == 0x2F) {
                        ended = true;
                        if (p < stop)
                            warn("track " + std::to_string(track) + ": end-of-track at byte " +
                                 std::to_string(offset_of(event)) + " comes " + std::to_string(stop - p) +
                                 " bytes before the end of its chunk; the rest was skipped");
                        p = stop;
                    } else if (type == 0x51) {
                        if (length == 3) {
                            out_.tempo_map.push_back(TempoChange{
                                track, tick, (uint32_t(body[0]) << 16) | (uint32_t(body[1]) << 8) | body[2]});
                        } else {
                            note_malformed(malformed[0], event);
                        }
                    } else if (type == 0x58) {
                        if (length >= 4 && body[1] <= 30) {
                            TimeSignature signature;
                            signature.track = track;
                            signature.tick = tick;
                            signature.numerator = body[0];
                            signature.denominator = 1 << body[1];
                            signature.clocks_per_click = body[2];
                            signature.thirty_seconds_per_quarter = body[3];
                            out_.time_signatures.push_back(signature);
                        } else {
                            note_malformed(malformed[1], event);
                        }
                    } else if (type == 0x59) {
                        if (length >= 2 && int8_t(body[0]) >= -7 && int8_t(body[0]) <= 7 && body[1] <= 1) {
                            out_.key_signatures.push_back(KeySignature{track, tick, int8_t(body[0]), body[1] == 1});
                        } else {
                            note_malformed(malformed[2], event);
                        }
                    } else if (type == 0x03 || type == 0x04) {
                        if (type == 0x03 && !named) {
                            named = true;
                            out_.track_names.back().assign(reinterpret_cast<const char*>(body), length);
                        }
                        InstrumentEvent& name = out_.instrument_events.emplace_back();
                        name.kind = type == 0x03 ? InstrumentEvent::Kind::track_name
                                                 : InstrumentEvent::Kind::instrument_name;
                        name.track = track;
                        name.tick = tick;
                        name.text.assign(reinterpret_cast<const char*>(body), length);
                    }
                    break;
                }
                case 0xF0:
                case 0xF7: {  // sysex or escape packet: skipped; cancels running status
                    running_status = 0;
                    const uint32_t length = read_vlq(p, stop, "sysex length");
                    if (length > size_t(stop - p))
                        fail(offset_of(event), std::string(status == 0xF0 ? "the sysex event" : "the escape packet") +
                                                   " of length " + std::to_string(length) +
                                                   " runs past the end of its track chunk");
                    p += length;
                    break;
                }
                case 0xF1:
                case 0xF3:
                case 0xF2:
                case 0xF6: {  // system common: standard lengths; cancels running status
                    running_status = 0;
                    const int count = status == 0xF2 ? 2 : status == 0xF6 ? 0 : 1;
                    for (int i = 0; i < count; ++i) {
                        if (p >= stop) fail_truncated(stop, "system common message", event);
                        if (*p & 0x80) fail_data_byte(p, "system common message", event);
                        ++p;
                    }
                    break;
                }
                case 0xF8:
                case 0xFA:
                case 0xFB:
                case 0xFC:
                case 0xFE:
                    break;  // system real-time: no data, leaves running status alone
                default:  // F4 F5 F9 FD
                    fail(offset_of(event), "undefined status byte " + hex_byte(status));
            }
        }

        if (!ended)
            warn("track " + std::to_string(track) + " (chunk at byte " + std::to_string(chunk_offset) +
                 ") has no end-of-track event");
        const char* const meta_names[3] = {"tempo event", "time signature", "key signature"};
        for (int kind = 0; kind < 3; ++kind)
            if (malformed[kind].count)
                warn("track " + std::to_string(track) + ": " + std::to_string(malformed[kind].count) + " malformed " +
                     meta_names[kind] + "(s), the first at byte " + std::to_string(malformed[kind].first_offset) +
                     ", ignored");
        if (orphan_note_offs)
            warn("track " + std::to_string(track) + ": " + std::to_string(orphan_note_offs) +
                 " note-off(s) had no sounding note and were ignored");
        if (sounding) {
            // Move the notes still sounding to `unterminated`, keeping the others in order.
            size_t kept = first_note;
            for (size_t i = first_note; i < notes_.size(); ++i) {
                const Note& note = notes_[i];
                if (note.end_tick < 0) {
                    UnterminatedNote open;
                    open.track = note.track;
                    open.channel = note.channel;
                    open.program = note.program;
                    open.pitch = note.pitch;
                    open.velocity = note.velocity;
                    open.start_tick = note.start_tick;
                    out_.unterminated.push_back(open);
                } else {
                    notes_[kept++] = note;
                }
            }
            notes_.resize(kept);
        }
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

        // Seconds: one map for formats 0 and 1, one per track in format 2.
        // Notes (and unterminated notes) are still grouped by track here, in
        // track order, each track in note-on order, so the tempo segment is
        // found by a forward cursor.
        if (out_.format == 2 && !out_.division.smpte) {
            const TempoChange* const changes = tempo_by_track.data();
            const TempoChange* const changes_end = changes + tempo_by_track.size();
            size_t note = 0, open = 0;
            std::vector<UnterminatedNote>& unterminated = out_.unterminated;
            for (const TempoChange* first = changes; note < notes_.size() || open < unterminated.size();) {
                const int track = std::min(note < notes_.size() ? notes_[note].track : out_.track_count,
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
            for (UnterminatedNote& note : out_.unterminated) note.start_s = clock.seconds(note.start_tick);
        }

        // Notes are in file order of their note-ons within each track, tracks
        // in order; sorting on the documented key with that position as the
        // last key keeps it as the tie-break.
        auto by_key = [](const auto& a, const auto& b) {
            if (a.start_tick != b.start_tick) return a.start_tick < b.start_tick;
            if (a.track != b.track) return a.track < b.track;
            if (a.channel != b.channel) return a.channel < b.channel;
            return a.pitch < b.pitch;
        };
        std::stable_sort(out_.unterminated.begin(), out_.unterminated.end(), by_key);
        if (std::is_sorted(notes_.begin(), notes_.end(), by_key)) {
            out_.notes = std::move(notes_);
            return;
        }
        int64_t last_tick = 0;
        for (const Note& note : notes_) last_tick = std::max(last_tick, note.start_tick);
        if (last_tick >= (int64_t(1) << 37) || out_.track_count > 0x10000) {
            std::stable_sort(notes_.begin(), notes_.end(), by_key);  // absurd files only
            out_.notes = std::move(notes_);
            return;
        }
        // Pack the key into 64 bits (37 tick, 16 track, 4 channel, 7 pitch
        // bits) and order (key, position) pairs rather than moving notes.
        // Each track's notes are already in start order: only notes sharing
        // a start tick (chords) need sorting, then the tracks are merged.
        using Keyed = std::pair<uint64_t, uint32_t>;
        std::vector<Keyed> order(notes_.size()), merged(notes_.size());
        std::vector<size_t> runs{0};  // start of each track's run in `order`
        for (size_t i = 0; i < notes_.size(); ++i) {
            const Note& note = notes_[i];
            order[i] = {(uint64_t(note.start_tick) << 27) | (uint64_t(note.track) << 11) |
                            (uint64_t(note.channel) << 7) | uint64_t(note.pitch),
                        uint32_t(i)};
            if (i > 0 && note.track != notes_[i - 1].track) runs.push_back(i);
        }
        runs.push_back(notes_.size());
        // Within a track only notes sharing a start tick can be out of order.
        for (size_t begin = 0; begin < order.size();) {
            size_t end = begin + 1;
            while (end < order.size() && (order[end].first >> 11) == (order[begin].first >> 11)) ++end;  // same tick and track
            if (end - begin > 1 && !std::is_sorted(order.begin() + std::ptrdiff_t(begin), order.begin() + std::ptrdiff_t(end)))
                std::sort(order.begin() + std::ptrdiff_t(begin), order.begin() + std::ptrdiff_t(end));
            begin = end;
        }
        while (runs.size() > 2) {  // merge neighbouring runs pairwise
            std::vector<size_t> next{0};
            for (size_t r = 0; r + 1 < runs.size(); r += 2) {
                const size_t begin = runs[r], middle = runs[r + 1];
                const size_t end = r + 2 < runs.size() ? runs[r + 2] : middle;
                std::merge(order.begin() + std::ptrdiff_t(begin), order.begin() + std::ptrdiff_t(middle),
                           order.begin() + std::ptrdiff_t(middle), order.begin() + std::ptrdiff_t(end),
                           merged.begin() + std::ptrdiff_t(begin));
                next.push_back(end);
            }
            order.swap(merged);
            runs.swap(next);
        }
        out_.notes.reserve(notes_.size());
        for (const Keyed& keyed : order) out_.notes.push_back(notes_[keyed.second]);
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
    std::vector<uint32_t> next_;  // FIFO link per note of the current track (index - first_note)
    uint32_t queue_head_[16 * 128];
    uint32_t queue_tail_[16 * 128];
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

// Reads and parses the file at `path`. A file that cannot be opened or read is
// a MidiError at byte 0.
inline MidiFile read_midi(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file)
        throw MidiError(path, 0, "the file could not be opened for reading (" +
                                     std::generic_category().message(errno) + ")");
    std::vector<uint8_t> bytes;
    uint8_t buffer[65536];
    for (;;) {
        const size_t got = std::fread(buffer, 1, sizeof buffer, file);
        bytes.insert(bytes.end(), buffer, buffer + got);
        if (got < sizeof buffer) break;
    }
    const bool failed = std::ferror(file) != 0;
    const int error = errno;
    std::fclose(file);
    if (failed)
        throw MidiError(path, 0, "the file could not be read (" + std::generic_category().message(error) + ")");
    return parse_midi(bytes.data(), bytes.size(), path);
}

}  // namespace cadenza::midi
