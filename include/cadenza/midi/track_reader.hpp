// cadenza/midi/track_reader.hpp: the events of one MTrk chunk: channel
// messages with running status, meta events, sysex and system messages, and
// note-ons paired with their note-offs first-in-first-out per (channel, pitch).
// Used by midi_reader.hpp, whose header comment documents what is read.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "cadenza/midi/midi_types.hpp"
#include "cadenza/midi/smf_bytes.hpp"

namespace cadenza::midi::detail {

// Index of a note-on that waits for its note-off; links form one FIFO queue
// per (channel, pitch) of the track being read.
constexpr uint32_t no_note = 0xFFFFFFFFu;

class TrackReader {
public:
    // `data`: the file's bytes (messages give offsets from it); `name`: the
    // file's label; events go to `out` and `notes` (this file's notes so far).
    TrackReader(const uint8_t* data, const std::string& name, MidiFile& out,
                std::vector<Note>& notes)
        : data_(data), name_(name), out_(out), notes_(notes) {}

    // The chunk's events in bytes [begin, end); `chunk_offset` is its header's.
    void read(size_t begin, size_t end, int track, size_t chunk_offset) {
        const uint8_t* p = data_ + begin;
        TrackState s;
        s.track = track;
        s.chunk_offset = chunk_offset;
        s.stop = data_ + end;
        s.first_note = notes_.size();
        out_.track_names.emplace_back();
        std::fill(std::begin(queue_head_), std::end(queue_head_), no_note);
        next_.clear();

        while (p < s.stop) {
            s.tick += read_vlq(p, s.stop, "delta time");
            if (p >= s.stop)
                fail(offset_of(p), "the track chunk ends after a delta time; expected an event");
            const uint8_t* const event = p;
            unsigned status = *p;
            if (status & 0x80) {
                ++p;
            } else {
                if (s.running_status == 0)
                    fail(offset_of(p),
                         "found data byte " + hex_byte(status) +
                             " where a status byte was expected (no running status is in effect)");
                status = s.running_status;
            }
            if (status < 0xF0) {
                s.running_status = status;
                read_channel_message(p, status, event, s);
            } else if (status == 0xFF) {  // meta event: running status stays in effect
                read_meta_event(p, event, s);
            } else {
                read_system_message(p, status, event, s);
            }
        }
        finish_track(s);
    }

private:
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
                fail(offset_of(p),
                     std::string("the track chunk ends inside a variable-length ") + what);
            const uint8_t b = *p++;
            value = (value << 7) | (b & 0x7Fu);
            if (!(b & 0x80)) return value;
        }
        fail(offset_of(start),
             std::string("the variable-length ") + what + " is longer than 4 bytes");
    }

    struct Malformed {
        size_t count = 0;
        size_t first_offset = 0;
    };
    void note_malformed(Malformed& malformed, const uint8_t* event) const {
        if (malformed.count++ == 0) malformed.first_offset = offset_of(event);
    }

    [[noreturn]] void fail_data_byte(const uint8_t* p, const char* message,
                                     const uint8_t* event) const {
        fail(offset_of(p), std::string("expected a data byte (below 0x80) of the ") + message +
                               " at byte " + std::to_string(offset_of(event)) +
                               " but found status byte " + hex_byte(*p));
    }
    [[noreturn]] void fail_truncated(const uint8_t* stop, const char* message,
                                     const uint8_t* event) const {
        fail(offset_of(stop), std::string("the track chunk ends inside the ") + message +
                                  " that began at byte " + std::to_string(offset_of(event)));
    }

    // What reading one MTrk chunk carries from event to event.
    struct TrackState {
        int track = 0;
        size_t chunk_offset = 0;        // of the chunk's header, for messages
        const uint8_t* stop = nullptr;  // the chunk's end
        int64_t tick = 0;
        unsigned running_status = 0;
        uint8_t program[16] = {};  // the program in force per channel
        size_t first_note = 0;     // notes_[first_note..] belong to this track
        size_t sounding = 0;       // note-ons still waiting for their note-off
        size_t orphan_note_offs = 0;
        bool ended = false;      // an end-of-track event was met
        bool named = false;      // the track's name (first FF 03) was taken
        Malformed malformed[3];  // tempo, time and key signature metas
    };

    // A channel message (status below 0xF0) after its status byte.
    void read_channel_message(const uint8_t*& p, unsigned status, const uint8_t* event,
                              TrackState& s) {
        const unsigned kind = status >> 4, channel = status & 0xF;
        if (kind == 0xC || kind == 0xD) {  // one data byte
            if (p >= s.stop) fail_truncated(s.stop, channel_message_name(kind), event);
            const uint8_t value = *p;
            if (value & 0x80) fail_data_byte(p, channel_message_name(kind), event);
            ++p;
            if (kind == 0xC) {
                s.program[channel] = value;
                InstrumentEvent& change = out_.instrument_events.emplace_back();
                change.track = s.track;
                change.channel = int(channel);
                change.tick = s.tick;
                change.program = value;
            }
            return;
        }
        if (s.stop - p < 2) {
            if (p < s.stop && (*p & 0x80)) fail_data_byte(p, channel_message_name(kind), event);
            fail_truncated(s.stop, channel_message_name(kind), event);
        }
        const uint8_t first = p[0], second = p[1];
        if (first & 0x80) fail_data_byte(p, channel_message_name(kind), event);
        if (second & 0x80) fail_data_byte(p + 1, channel_message_name(kind), event);
        p += 2;
        const unsigned key = (channel << 7) | first;
        if (kind == 0x9 && second != 0) note_on(key, channel, first, second, event, s);
        else if (kind == 0x8 || kind == 0x9) note_off(key, s);
    }

    // A note-on joins the FIFO queue of its (channel, pitch).
    void note_on(unsigned key, unsigned channel, uint8_t pitch, uint8_t velocity,
                 const uint8_t* event, TrackState& s) {
        if (notes_.size() >= size_t(no_note) - 1)
            fail(offset_of(event), "the file holds too many notes");
        const uint32_t index = uint32_t(notes_.size());
        Note& note = notes_.emplace_back();
        note.track = s.track;
        note.channel = int(channel);
        note.program = s.program[channel];
        note.pitch = pitch;
        note.velocity = velocity;
        note.sequence = int(index - s.first_note);
        note.start_tick = s.tick;
        note.end_tick = -1;  // sounding
        next_.push_back(no_note);
        if (queue_head_[key] == no_note) queue_head_[key] = index;
        else next_[queue_tail_[key] - s.first_note] = index;
        queue_tail_[key] = index;
        ++s.sounding;
    }

    // A note-off (or a note-on of velocity 0) ends the oldest sounding note of its key.
    void note_off(unsigned key, TrackState& s) {
        const uint32_t index = queue_head_[key];
        if (index == no_note) {
            ++s.orphan_note_offs;
            return;
        }
        notes_[index].end_tick = s.tick;
        queue_head_[key] = next_[index - s.first_note];
        --s.sounding;
    }

    // A meta event (FF type length data) after its status byte.
    void read_meta_event(const uint8_t*& p, const uint8_t* event, TrackState& s) {
        if (p >= s.stop) fail_truncated(s.stop, "meta event", event);
        const unsigned type = *p++;
        const uint32_t length = read_vlq(p, s.stop, "meta event length");
        if (length > size_t(s.stop - p))
            fail(offset_of(event), "the meta event " + hex_byte(type) + " of length " +
                                       std::to_string(length) +
                                       " runs past the end of its track chunk");
        const uint8_t* const body = p;
        p += length;
        if (type == 0x2F) {
            s.ended = true;
            if (p < s.stop)
                warn("track " + std::to_string(s.track) + ": end-of-track at byte " +
                     std::to_string(offset_of(event)) + " comes " + std::to_string(s.stop - p) +
                     " bytes before the end of its chunk; the rest was skipped");
            p = s.stop;
        } else if (type == 0x51) {
            if (length == 3)
                out_.tempo_map.push_back(
                    TempoChange{s.track, s.tick,
                                (uint32_t(body[0]) << 16) | (uint32_t(body[1]) << 8) | body[2]});
            else note_malformed(s.malformed[0], event);
        } else if (type == 0x58) {
            if (length >= 4 && body[1] <= 30) {
                TimeSignature signature;
                signature.track = s.track;
                signature.tick = s.tick;
                signature.numerator = body[0];
                signature.denominator = 1 << body[1];
                signature.clocks_per_click = body[2];
                signature.thirty_seconds_per_quarter = body[3];
                out_.time_signatures.push_back(signature);
            } else {
                note_malformed(s.malformed[1], event);
            }
        } else if (type == 0x59) {
            if (length >= 2 && int8_t(body[0]) >= -7 && int8_t(body[0]) <= 7 && body[1] <= 1)
                out_.key_signatures.push_back(
                    KeySignature{s.track, s.tick, int8_t(body[0]), body[1] == 1});
            else note_malformed(s.malformed[2], event);
        } else if (type == 0x03 || type == 0x04) {
            if (type == 0x03 && !s.named) {
                s.named = true;
                out_.track_names.back().assign(reinterpret_cast<const char*>(body), length);
            }
            InstrumentEvent& name = out_.instrument_events.emplace_back();
            name.kind = type == 0x03 ? InstrumentEvent::Kind::track_name
                                     : InstrumentEvent::Kind::instrument_name;
            name.track = s.track;
            name.tick = s.tick;
            name.text.assign(reinterpret_cast<const char*>(body), length);
        }
    }

    // Sysex, escape packets, system common and real-time messages: skipped
    // by their length; all but real-time cancel running status.
    void read_system_message(const uint8_t*& p, unsigned status, const uint8_t* event,
                             TrackState& s) {
        switch (status) {
            case 0xF0:
            case 0xF7: {
                s.running_status = 0;
                const uint32_t length = read_vlq(p, s.stop, "sysex length");
                if (length > size_t(s.stop - p))
                    fail(offset_of(event),
                         std::string(status == 0xF0 ? "the sysex event" : "the escape packet") +
                             " of length " + std::to_string(length) +
                             " runs past the end of its track chunk");
                p += length;
                return;
            }
            case 0xF1:
            case 0xF3:
            case 0xF2:
            case 0xF6: {  // system common: standard lengths
                s.running_status = 0;
                const int count = status == 0xF2 ? 2 : status == 0xF6 ? 0 : 1;
                for (int i = 0; i < count; ++i) {
                    if (p >= s.stop) fail_truncated(s.stop, "system common message", event);
                    if (*p & 0x80) fail_data_byte(p, "system common message", event);
                    ++p;
                }
                return;
            }
            case 0xF8:
            case 0xFA:
            case 0xFB:
            case 0xFC:
            case 0xFE: return;  // system real-time: no data, leaves running status alone
            default:            // F4 F5 F9 FD
                fail(offset_of(event), "undefined status byte " + hex_byte(status));
        }
    }

    // The track's warnings; its still-sounding notes move to `unterminated`.
    void finish_track(const TrackState& s) {
        if (!s.ended)
            warn("track " + std::to_string(s.track) + " (chunk at byte " +
                 std::to_string(s.chunk_offset) + ") has no end-of-track event");
        const char* const meta_names[3] = {"tempo event", "time signature", "key signature"};
        for (int kind = 0; kind < 3; ++kind)
            if (s.malformed[kind].count)
                warn("track " + std::to_string(s.track) + ": " +
                     std::to_string(s.malformed[kind].count) + " malformed " + meta_names[kind] +
                     "(s), the first at byte " + std::to_string(s.malformed[kind].first_offset) +
                     ", ignored");
        if (s.orphan_note_offs)
            warn("track " + std::to_string(s.track) + ": " + std::to_string(s.orphan_note_offs) +
                 " note-off(s) had no sounding note and were ignored");
        if (s.sounding == 0) return;
        size_t kept = s.first_note;
        for (size_t i = s.first_note; i < notes_.size(); ++i) {
            const Note& note = notes_[i];
            if (note.end_tick >= 0) {
                notes_[kept++] = note;
                continue;
            }
            UnterminatedNote open;
            open.track = note.track;
            open.channel = note.channel;
            open.program = note.program;
            open.pitch = note.pitch;
            open.velocity = note.velocity;
            open.start_tick = note.start_tick;
            out_.unterminated.push_back(open);
        }
        notes_.resize(kept);
    }

    [[noreturn]] void fail(size_t offset, const std::string& what) const {
        throw MidiError(name_, offset, what);
    }
    size_t offset_of(const uint8_t* p) const { return size_t(p - data_); }
    void warn(const std::string& text) { out_.warnings.push_back(text); }

    const uint8_t* data_;
    const std::string& name_;
    MidiFile& out_;
    std::vector<Note>& notes_;
    std::vector<uint32_t> next_;  // FIFO link per note of the current track (index - first_note)
    uint32_t queue_head_[16 * 128];
    uint32_t queue_tail_[16 * 128];
};

}  // namespace cadenza::midi::detail
