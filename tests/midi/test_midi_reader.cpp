// Tests for cadenza/music/midi_reader.hpp. Every fixture is assembled here,
// byte by byte, from chunks, VLQs and events, so each test shows exactly what
// the file holds.
#include <cadenza/midi/midi_reader.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

using namespace cadenza::midi;
using Catch::Matchers::Contains;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes all;
    for (const Bytes& part : parts) all.insert(all.end(), part.begin(), part.end());
    return all;
}

Bytes vlq(uint32_t value) {
    Bytes reversed{uint8_t(value & 0x7F)};
    while (value >>= 7) reversed.push_back(uint8_t(0x80 | (value & 0x7F)));
    return Bytes(reversed.rbegin(), reversed.rend());
}

Bytes be32(uint32_t v) { return {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}; }
Bytes le32(uint32_t v) { return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}; }

Bytes chunk(const char* name, const Bytes& body) {
    return cat({Bytes(name, name + 4), be32(uint32_t(body.size())), body});
}

// An MThd chunk; `division` is the raw 16-bit field.
Bytes header(int format, int tracks, uint16_t division) {
    return chunk("MThd", {0, uint8_t(format), uint8_t(tracks >> 8), uint8_t(tracks),
                          uint8_t(division >> 8), uint8_t(division)});
}

// One event: delta time then the raw event bytes.
Bytes ev(uint32_t delta, const Bytes& bytes) { return cat({vlq(delta), bytes}); }

const Bytes end_of_track = ev(0, {0xFF, 0x2F, 0x00});

Bytes track(std::initializer_list<Bytes> events) { return chunk("MTrk", cat(events)); }

Bytes tempo(uint32_t delta, uint32_t us) {
    return ev(delta, {0xFF, 0x51, 0x03, uint8_t(us >> 16), uint8_t(us >> 8), uint8_t(us)});
}

MidiFile parse(const Bytes& bytes) { return parse_midi(bytes.data(), bytes.size(), "fixture.mid"); }

// Asserts that parsing fails at `offset` with a message naming the file, the
// offset and containing `fragment`.
void require_error(const Bytes& bytes, uint64_t offset, const std::string& fragment) {
    try {
        parse(bytes);
        FAIL("expected a MidiError mentioning \"" << fragment << "\"");
    } catch (const MidiError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(error.file() == "fixture.mid");
        CHECK(error.offset() == offset);
        CHECK_THAT(message, Contains("fixture.mid: byte " + std::to_string(offset) + ": "));
        CHECK_THAT(message, Contains(fragment));
    }
}

bool has_warning(const MidiFile& file, const std::string& fragment) {
    for (const std::string& warning : file.warnings)
        if (warning.find(fragment) != std::string::npos) return true;
    return false;
}

// A format 0 file at 480 ticks per quarter holding the given events.
Bytes format0(std::initializer_list<Bytes> events) {
    return cat({header(0, 1, 480), track(events)});
}

}  // namespace

TEST_CASE("a minimal format 0 file gives one note with ticks and seconds", "[midi][reader]") {
    const MidiFile file =
        parse(format0({ev(0, {0x90, 60, 100}), ev(480, {0x80, 60, 0}), end_of_track}));
    CHECK(file.name == "fixture.mid");
    CHECK(file.format == 0);
    CHECK(file.track_count == 1);
    CHECK_FALSE(file.division.smpte);
    CHECK(file.division.ticks_per_quarter == 480);
    REQUIRE(file.notes.size() == 1);
    const Note& note = file.notes[0];
    CHECK(note.track == 0);
    CHECK(note.channel == 0);
    CHECK(note.program == 0);
    CHECK(note.pitch == 60);
    CHECK(note.velocity == 100);
    CHECK(note.start_tick == 0);
    CHECK(note.end_tick == 480);
    CHECK(note.start_s == 0.0);
    CHECK(note.end_s == 0.5);  // default 500000 us per quarter
    CHECK(file.warnings.empty());
    CHECK(file.unterminated.empty());
    REQUIRE(file.track_names.size() == 1);
    CHECK(file.track_names[0].empty());
}

TEST_CASE("note-on with velocity 0 ends a note and running status spans meta events",
          "[midi][reader]") {
    const MidiFile file = parse(format0({
        ev(0, {0x91, 60, 90}),
        ev(0, {62, 80}),                       // running status: note-on channel 1
        ev(10, {0xFF, 0x01, 0x02, 'h', 'i'}),  // a text meta keeps running status
        ev(0, {60, 0}),                        // still note-on channel 1: velocity 0 is note-off
        ev(5, {62, 0}),
        end_of_track,
    }));
    REQUIRE(file.notes.size() == 2);
    CHECK(file.notes[0].pitch == 60);
    CHECK(file.notes[0].channel == 1);
    CHECK(file.notes[0].end_tick == 10);
    CHECK(file.notes[1].pitch == 62);
    CHECK(file.notes[1].velocity == 80);
    CHECK(file.notes[1].end_tick == 15);
}

TEST_CASE("every channel message is read with its own data length", "[midi][reader]") {
    const MidiFile file = parse(format0({
        ev(0, {0xA0, 60, 10}),  // poly aftertouch: 2 data bytes
        ev(0, {0xB0, 7, 100}),  // control change: 2
        ev(0, {0xC0, 41}),      // program change: 1
        ev(0, {0xD0, 33}),      // channel pressure: 1
        ev(0, {0xE0, 0, 64}),   // pitch bend: 2
        ev(0, {0xC3, 5}),       // program on another channel
        ev(0, {0x90, 60, 100}),
        ev(0, {0x93, 61, 100}),
        ev(0, {0xD0, 20}),  // 1-byte message, then its running status
        ev(0, {21}),
        ev(10, {0x80, 60, 64}),
        ev(0, {0x83, 61, 64}),
        ev(0, {0xC0, 42}),
        ev(0, {0x90, 62, 1}),
        ev(1, {62, 0}),
        end_of_track,
    }));
    REQUIRE(file.notes.size() == 3);
    CHECK(file.notes[0].pitch == 60);
    CHECK(file.notes[0].program == 41);
    CHECK(file.notes[1].pitch == 61);
    CHECK(file.notes[1].channel == 3);
    CHECK(file.notes[1].program == 5);
    CHECK(file.notes[2].pitch == 62);
    CHECK(file.notes[2].program == 42);
    CHECK(file.notes[2].velocity == 1);
    CHECK(file.warnings.empty());
}

TEST_CASE("programs are tracked per channel within each track", "[midi][reader]") {
    const Bytes bytes =
        cat({header(1, 2, 96),
             track({ev(0, {0xC0, 10}), ev(0, {0x90, 50, 90}), ev(4, {0x80, 50, 0}), end_of_track}),
             track({ev(0, {0x90, 50, 90}), ev(4, {0x80, 50, 0}), end_of_track})});
    const MidiFile file = parse(bytes);
    REQUIRE(file.notes.size() == 2);
    CHECK(file.notes[0].track == 0);
    CHECK(file.notes[0].program == 10);
    CHECK(file.notes[1].track == 1);
    CHECK(file.notes[1].program == 0);
}

TEST_CASE("sysex and escape packets are skipped and cancel running status", "[midi][reader]") {
    SECTION("an escape packet's bytes never become notes") {
        const MidiFile file = parse(format0({
            ev(0, {0x90, 60, 100}),
            ev(0, {0xF0, 0x03, 0x43, 0x12, 0xF7}),  // sysex with VLQ length
            ev(0, {0xF7, 0x03, 0x90, 0x3C, 0x40}),  // escape: raw bytes of a note-on, not a note
            ev(0, {0xF7, 0x81, 0x00}),              // escape with a two-byte VLQ length (128) ...
            Bytes(128, 0x90),                       // ... of status-looking bytes
            ev(10, {0x80, 60, 0}),
            end_of_track,
        }));
        REQUIRE(file.notes.size() == 1);
        CHECK(file.notes[0].pitch == 60);
        CHECK(file.notes[0].end_tick == 10);
        CHECK(file.unterminated.empty());
    }
    SECTION("data bytes after a sysex have no running status to run on") {
        const Bytes bytes =
            format0({ev(0, {0x90, 60, 100}), ev(0, {0xF0, 0x01, 0xF7}), ev(0, {60, 0})});
        // header 14 + chunk header 8 + note 4 + sysex 4 + delta 1 = byte 31
        require_error(bytes, 31, "no running status");
    }
}

TEST_CASE("system common and real-time bytes are read with their lengths and ignored",
          "[midi][reader]") {
    const MidiFile file = parse(format0({
        ev(0, {0x90, 60, 100}),
        ev(0, {0xF8}),  // timing clock: real-time, keeps running status
        ev(0, {62, 100}),
        ev(0, {0xFA}),
        ev(0, {0xFB}),
        ev(0, {0xFC}),
        ev(0, {0xFE}),
        ev(0, {0xF1, 0x10}),        // MTC quarter frame: 1 data byte
        ev(0, {0xF2, 0x01, 0x02}),  // song position: 2
        ev(0, {0xF3, 0x03}),        // song select: 1
        ev(0, {0xF6}),              // tune request: 0
        ev(4, {0x80, 60, 0}),
        ev(0, {0x80, 62, 0}),
        end_of_track,
    }));
    REQUIRE(file.notes.size() == 2);
    CHECK(file.notes[0].end_tick == 4);
    CHECK(file.notes[1].pitch == 62);

    // System common cancels running status (it is a status of its own).
    require_error(format0({ev(0, {0x90, 60, 100}), ev(0, {0xF6}), ev(0, {60, 0})}), 29,
                  "no running status");
}

TEST_CASE("meta events: tempo, time and key signatures, track names, others skipped",
          "[midi][reader]") {
    const Bytes bytes = cat({
        header(1, 2, 480),
        track({
            ev(0, {0xFF, 0x03, 0x05, 'S', 'o', 'n', 'g', '!'}),
            ev(0, {0xFF, 0x58, 0x04, 6, 3, 24, 8}),  // 6/8
            ev(0, {0xFF, 0x59, 0x02, 0xFD, 0x01}),   // 3 flats, minor
            tempo(0, 600000),
            ev(0, {0xFF, 0x7F, 0x03, 1, 2, 3}),       // sequencer-specific: skipped
            ev(0, {0xFF, 0x21, 0x01, 0}),             // port: skipped
            ev(960, {0xFF, 0x59, 0x02, 0x02, 0x00}),  // D major
            end_of_track,
        }),
        track({
            ev(0, {0xFF, 0x03, 0x05, 'P', 'i', 'a', 'n', 'o'}),
            ev(0, {0xFF, 0x03, 0x04, 'L', 'a', 't', 'e'}),  // only the first name counts
            ev(0, {0xFF, 0x0F, 0x01, 'x'}),
            end_of_track,
        }),
    });
    const MidiFile file = parse(bytes);
    REQUIRE(file.track_names.size() == 2);
    CHECK(file.track_names[0] == "Song!");
    CHECK(file.track_names[1] == "Piano");
    REQUIRE(file.time_signatures.size() == 1);
    CHECK(file.time_signatures[0].numerator == 6);
    CHECK(file.time_signatures[0].denominator == 8);
    CHECK(file.time_signatures[0].clocks_per_click == 24);
    CHECK(file.time_signatures[0].thirty_seconds_per_quarter == 8);
    REQUIRE(file.key_signatures.size() == 2);
    CHECK(file.key_signatures[0].sharps == -3);
    CHECK(file.key_signatures[0].minor);
    CHECK(file.key_signatures[1].tick == 960);
    CHECK(file.key_signatures[1].sharps == 2);
    CHECK_FALSE(file.key_signatures[1].minor);
    REQUIRE(file.tempo_map.size() == 1);
    CHECK(file.tempo_map[0].microseconds_per_quarter == 600000);
    CHECK(file.tempo_map[0].track == 0);
    CHECK(file.warnings.empty());
}

TEST_CASE("malformed tempo, time and key signature metas are ignored with a warning",
          "[midi][reader]") {
    const MidiFile file = parse(format0({
        ev(0, {0xFF, 0x51, 0x02, 0x07, 0xA1}),
        ev(0, {0xFF, 0x58, 0x02, 4, 2}),
        ev(0, {0xFF, 0x59, 0x02, 0x09, 0x00}),
        end_of_track,
    }));
    CHECK(file.tempo_map.empty());
    CHECK(file.time_signatures.empty());
    CHECK(file.key_signatures.empty());
    CHECK(has_warning(file, "tempo event"));
    CHECK(has_warning(file, "time signature"));
    CHECK(has_warning(file, "key signature"));
}

TEST_CASE("format 1: a tempo change in the conductor track times every track", "[midi][reader]") {
    const Bytes bytes = cat({
        header(1, 2, 480),
        track({tempo(0, 500000), tempo(960, 1000000),
               end_of_track}),                                   // 120 bpm, then 60 bpm at beat 2
        track({ev(0, {0x90, 60, 100}), ev(1440, {0x80, 60, 0}),  // 0 .. beat 3
               ev(480, {0x90, 64, 100}), ev(480, {0x80, 64, 0}), end_of_track}),
    });
    const MidiFile file = parse(bytes);
    REQUIRE(file.notes.size() == 2);
    CHECK(file.notes[0].track == 1);
    CHECK(file.notes[0].start_s == 0.0);
    CHECK(file.notes[0].end_s ==
          Approx(1.0 + 1.0).epsilon(1e-15));  // 2 beats at 0.5 s + 1 beat at 1 s
    CHECK(file.notes[1].start_s == Approx(3.0).epsilon(1e-15));
    CHECK(file.notes[1].end_s == Approx(4.0).epsilon(1e-15));
    REQUIRE(file.tempo_map.size() == 2);
    CHECK(file.tempo_map[1].tick == 960);
}

TEST_CASE("format 1: a tempo change in a later track applies to earlier tracks", "[midi][reader]") {
    const Bytes bytes = cat({
        header(1, 2, 100),
        track({ev(0, {0x90, 60, 100}), ev(300, {0x80, 60, 0}), end_of_track}),
        track({tempo(100, 250000), end_of_track}),
    });
    const MidiFile file = parse(bytes);
    REQUIRE(file.notes.size() == 1);
    CHECK(file.notes[0].end_s ==
          Approx(0.5 + 0.5).epsilon(1e-15));  // 1 beat at 0.5 s + 2 at 0.25 s
}

TEST_CASE("format 2: every track keeps its own tempo map", "[midi][reader]") {
    const Bytes bytes = cat({
        header(2, 3, 100),
        track({tempo(0, 1000000), ev(0, {0x90, 60, 100}), ev(100, {0x80, 60, 0}), end_of_track}),
        track({ev(0, {0x90, 62, 100}), ev(100, {0x80, 62, 0}), end_of_track}),
        track(
            {tempo(0, 2000000), ev(50, {0x90, 64, 100}), end_of_track}),  // unterminated, own tempo
    });
    const MidiFile file = parse(bytes);
    REQUIRE(file.unterminated.size() == 1);
    CHECK(file.unterminated[0].track == 2);
    CHECK(file.unterminated[0].start_s == 1.0);  // 50 ticks at 2 s per 100 ticks
    CHECK(file.format == 2);
    REQUIRE(file.notes.size() == 2);
    CHECK(file.notes[0].track == 0);
    CHECK(file.notes[0].end_s == 1.0);
    CHECK(file.notes[1].track == 1);
    CHECK(file.notes[1].end_s == 0.5);  // default tempo: track 0's change does not apply
}

TEST_CASE("SMPTE division times ticks by frames and ignores tempo", "[midi][reader]") {
    SECTION("25 frames per second, 40 ticks per frame: 1000 ticks per second") {
        const Bytes bytes = cat({header(0, 1, uint16_t((0xE7 << 8) | 40)),  // -25
                                 track({tempo(0, 1000000), ev(0, {0x90, 60, 100}),
                                        ev(1500, {0x80, 60, 0}), end_of_track})});
        const MidiFile file = parse(bytes);
        CHECK(file.division.smpte);
        CHECK(file.division.frames_per_second == 25);
        CHECK(file.division.ticks_per_frame == 40);
        REQUIRE(file.notes.size() == 1);
        CHECK(file.notes[0].end_s == 1.5);
    }
    SECTION("29 means 29.97 drop frame") {
        const Bytes bytes =
            cat({header(0, 1, uint16_t((0xE3 << 8) | 4)),  // -29
                 track({ev(0, {0x90, 60, 100}), ev(2997 * 4, {0x80, 60, 0}), end_of_track})});
        const MidiFile file = parse(bytes);
        CHECK(file.division.frames_per_second == 29);
        REQUIRE(file.notes.size() == 1);
        CHECK(file.notes[0].end_s == Approx(100.0).epsilon(1e-12));  // 2997 frames = 100 s at 29.97
    }
    SECTION("24 and 30 are accepted too") {
        CHECK(parse(cat({header(0, 1, uint16_t((0xE8 << 8) | 1)), track({end_of_track})}))
                  .division.frames_per_second == 24);
        CHECK(parse(cat({header(0, 1, uint16_t((0xE2 << 8) | 1)), track({end_of_track})}))
                  .division.frames_per_second == 30);
    }
}

TEST_CASE("seconds stay exact over many tempo changes", "[midi][reader]") {
    // 1000 tempo changes of odd values; the time at the end must equal the
    // exact rational sum, not a sum of 1000 rounded terms.
    Bytes conductor;
    uint64_t elapsed = 0;  // microseconds * ticks_per_quarter
    uint32_t current = 500000;
    for (uint32_t i = 0; i < 1000; ++i) {
        const uint32_t next = 300001 + i * 777;
        conductor = cat({conductor, tempo(7, next)});
        elapsed += 7ull * current;
        current = next;
    }
    elapsed += 7ull * current;
    const Bytes bytes = cat({header(1, 2, 479), chunk("MTrk", cat({conductor, end_of_track})),
                             track({ev(0, {0x90, 60, 1}), ev(7007, {0x80, 60, 0}), end_of_track})});
    const MidiFile file = parse(bytes);
    REQUIRE(file.notes.size() == 1);
    CHECK(file.notes[0].end_s == double(elapsed) / (479.0 * 1e6));
}

TEST_CASE("RIFF RMID files are unwrapped", "[midi][reader]") {
    const Bytes smf = format0({ev(0, {0x90, 60, 100}), ev(10, {0x80, 60, 0}), end_of_track});
    Bytes info =
        cat({Bytes{'L', 'I', 'S', 'T'}, le32(3), Bytes{'a', 'b', 'c', 0}});  // odd length: padded
    const Bytes data = cat({Bytes{'d', 'a', 't', 'a'}, le32(uint32_t(smf.size())), smf});
    const Bytes riff =
        cat({Bytes{'R', 'I', 'F', 'F'}, le32(uint32_t(4 + info.size() + data.size())),
             Bytes{'R', 'M', 'I', 'D'}, info, data});
    const MidiFile file = parse(riff);
    REQUIRE(file.notes.size() == 1);
    CHECK(file.notes[0].end_tick == 10);

    SECTION("a RIFF file of another form is rejected") {
        Bytes wave = riff;
        wave[8] = 'W';
        require_error(wave, 8, "RMID");
    }
    SECTION("a RIFF MIDI file without a data chunk is rejected") {
        const Bytes empty = cat({Bytes{'R', 'I', 'F', 'F'}, le32(4), Bytes{'R', 'M', 'I', 'D'}});
        require_error(empty, 12, "no 'data' chunk");
    }
    SECTION("errors inside the wrapped file give offsets in the whole file") {
        Bytes broken = riff;
        broken[12 + 12 + 8] =
            0x00;  // the 'M' of MThd, after RIFF header, LIST chunk, data chunk header
        require_error(broken, 32, "not a Standard MIDI File");
    }
}

TEST_CASE("chunks of unknown type with printable names are skipped", "[midi][reader]") {
    const Bytes bytes = cat({header(1, 2, 480), chunk("XFIH", {1, 2, 3, 0x90, 60}),
                             track({ev(0, {0x90, 60, 100}), ev(10, {0x80, 60, 0}), end_of_track}),
                             chunk("abcd", {}), track({end_of_track})});
    const MidiFile file = parse(bytes);
    CHECK(file.track_count == 2);
    CHECK(file.notes.size() == 1);
    CHECK(file.warnings.empty());
}

TEST_CASE("note-ons still sounding at the end of their track are unterminated", "[midi][reader]") {
    const Bytes bytes = cat({header(1, 2, 480),
                             track({ev(0, {0xC2, 7}), ev(5, {0x92, 70, 33}), ev(0, {0x90, 71, 34}),
                                    ev(5, {0x80, 71, 0}), end_of_track}),
                             // the same key in the next track does not end it
                             track({ev(100, {0x82, 70, 0}), end_of_track})});
    const MidiFile file = parse(bytes);
    REQUIRE(file.notes.size() == 1);
    CHECK(file.notes[0].pitch == 71);
    REQUIRE(file.unterminated.size() == 1);
    const UnterminatedNote& open = file.unterminated[0];
    CHECK(open.track == 0);
    CHECK(open.channel == 2);
    CHECK(open.program == 7);
    CHECK(open.pitch == 70);
    CHECK(open.velocity == 33);
    CHECK(open.start_tick == 5);
    CHECK(open.start_s == Approx(5.0 / 960.0).epsilon(1e-15));
    CHECK(has_warning(file, "track 1: 1 note-off(s) had no sounding note"));
}

TEST_CASE("note-offs pair with note-ons first in, first out", "[midi][reader]") {
    const MidiFile file = parse(format0({
        ev(0, {0x90, 60, 10}),   // A
        ev(10, {0x90, 60, 20}),  // B overlaps A on the same key
        ev(10, {0x80, 60, 0}),   // ends A (the first in)
        ev(10, {0x80, 60, 0}),   // ends B
        ev(0, {0x90, 60, 30}),   // C: zero length
        ev(0, {0x80, 60, 0}),
        ev(0, {0x90, 60, 40}),  // D and E start together
        ev(0, {0x90, 60, 50}),
        ev(5, {0x80, 60, 0}),  // ends D
        ev(5, {0x80, 60, 0}),  // ends E
        end_of_track,
    }));
    REQUIRE(file.notes.size() == 5);
    CHECK(file.notes[0].velocity == 10);
    CHECK(file.notes[0].end_tick == 20);
    CHECK(file.notes[1].velocity == 20);
    CHECK(file.notes[1].start_tick == 10);
    CHECK(file.notes[1].end_tick == 30);
    CHECK(file.notes[2].velocity == 30);  // zero-length notes are kept
    CHECK(file.notes[2].start_tick == 30);
    CHECK(file.notes[2].end_tick == 30);
    CHECK(file.notes[3].velocity == 40);  // same start: note-on order is kept
    CHECK(file.notes[3].end_tick == 35);
    CHECK(file.notes[4].velocity == 50);
    CHECK(file.notes[4].end_tick == 40);
}

TEST_CASE("notes are ordered by start tick, track, channel, pitch", "[midi][reader]") {
    const Bytes bytes = cat(
        {header(1, 2, 480),
         track({ev(0, {0x91, 50, 1}), ev(0, {0x90, 70, 2}), ev(0, {0x90, 40, 3}),
                ev(10, {0x80, 70, 0}), ev(0, {0x80, 40, 0}), ev(0, {0x81, 50, 0}), end_of_track}),
         track({ev(0, {0x90, 10, 4}), ev(5, {0x80, 10, 0}), end_of_track})});
    const MidiFile file = parse(bytes);
    REQUIRE(file.notes.size() == 4);
    CHECK(file.notes[0].velocity == 3);  // track 0, channel 0, pitch 40
    CHECK(file.notes[1].velocity == 2);  // track 0, channel 0, pitch 70
    CHECK(file.notes[2].velocity == 1);  // track 0, channel 1
    CHECK(file.notes[3].velocity == 4);  // track 1
}

TEST_CASE("harmless flaws are read with a warning", "[midi][reader]") {
    SECTION("a missing end-of-track event") {
        const MidiFile file = parse(format0({ev(0, {0x90, 60, 100}), ev(10, {0x80, 60, 0})}));
        CHECK(file.notes.size() == 1);
        CHECK(has_warning(file, "no end-of-track"));
    }
    SECTION("trailing bytes after the last chunk") {
        const MidiFile file = parse(cat({format0({end_of_track}), Bytes{0, 0, 0}}));
        CHECK(has_warning(file, "3 trailing bytes"));
    }
    SECTION("fewer MTrk chunks than the header says") {
        const MidiFile file =
            parse(cat({header(1, 3, 480),
                       track({ev(0, {0x90, 60, 100}), ev(1, {0x80, 60, 0}), end_of_track})}));
        CHECK(file.track_count == 1);
        CHECK(file.notes.size() == 1);
        CHECK(has_warning(file, "announces 3 tracks but only 1"));
    }
    SECTION("an end-of-track before the chunk's end skips the rest") {
        const MidiFile file = parse(format0({ev(0, {0x90, 60, 100}), ev(1, {0x80, 60, 0}),
                                             end_of_track, ev(0, {0x90, 61, 100}), Bytes{0xF4}}));
        CHECK(file.notes.size() == 1);
        CHECK(file.unterminated.empty());
        CHECK(has_warning(file, "bytes before the end of its chunk"));
    }
}

TEST_CASE("malformed files are rejected with the offset and the problem", "[midi][reader]") {
    const Bytes good = format0({ev(0, {0x90, 60, 100}), ev(10, {0x80, 60, 0}), end_of_track});

    SECTION("empty file") { require_error({}, 0, "empty"); }
    SECTION("not a MIDI file") {
        require_error({'h', 'e', 'l', 'l', 'o', '!', '!', '!'}, 0, "not a Standard MIDI File");
    }
    SECTION("truncated inside the MThd name") { require_error({'M', 'T'}, 2, "truncated"); }
    SECTION("truncated inside the header") {
        require_error(Bytes(good.begin(), good.begin() + 10), 4, "runs past the end");
    }
    SECTION("truncated after the header") {
        require_error(Bytes(good.begin(), good.begin() + 14), 14, "ends before its first 'MTrk'");
    }
    SECTION("truncated inside a chunk header") {
        require_error(Bytes(good.begin(), good.begin() + 17), 14,
                      "truncated inside a chunk header");
    }
    SECTION("truncated inside a track: the chunk length runs past the end") {
        require_error(Bytes(good.begin(), good.end() - 1), 18, "runs past the end of the file");
    }
    SECTION("track chunk ends inside an event") {
        require_error(cat({header(0, 1, 480), track({ev(0, {0x90, 60})})}), 25,
                      "ends inside the note-on");
    }
    SECTION("track chunk ends after a delta time") {
        require_error(cat({header(0, 1, 480), track({vlq(5)})}), 23, "expected an event");
    }
    SECTION("track chunk ends inside a VLQ") {
        require_error(cat({header(0, 1, 480), track({Bytes{0x81}})}), 23,
                      "inside a variable-length delta time");
    }
    SECTION("meta event runs past its chunk") {
        require_error(cat({header(0, 1, 480), track({ev(0, {0xFF, 0x01, 0x05, 'a'})})}), 23,
                      "runs past the end of its track chunk");
    }
    SECTION("sysex runs past its chunk") {
        require_error(cat({header(0, 1, 480), track({ev(0, {0xF0, 0x05, 0x01})})}), 23,
                      "sysex event of length 5");
    }
    SECTION("header length below 6") {
        require_error(cat({chunk("MThd", {0, 0, 0, 1, 1}), track({end_of_track})}), 4,
                      "header length is 5");
    }
    SECTION("VLQ longer than 4 bytes") {
        require_error(format0({Bytes{0x81, 0x81, 0x81, 0x81, 0x00}, Bytes{0x90, 60, 1}}), 22,
                      "longer than 4 bytes");
    }
    SECTION("a status byte where a data byte must be") {
        require_error(format0({ev(0, {0x90, 60, 0x90})}), 25,
                      "expected a data byte (below 0x80) of the note-on");
        require_error(format0({ev(0, {0xC0, 0x80})}), 24, "program change");
    }
    SECTION("running status with no status to run on") {
        require_error(format0({ev(0, {60, 100})}), 23, "no running status");
    }
    SECTION("undefined status bytes") {
        for (uint8_t status : {0xF4, 0xF5, 0xF9, 0xFD}) {
            INFO(int(status));
            require_error(format0({ev(0, {status})}), 23, "undefined status byte");
        }
    }
    SECTION("a chunk name that is not printable ASCII") {
        require_error(cat({header(0, 1, 480), chunk("MT\x01k", {})}), 14, "printable ASCII");
    }
    SECTION("format above 2") {
        require_error(cat({header(3, 1, 480), track({end_of_track})}), 8, "format is 3");
    }
    SECTION("zero tracks") { require_error(cat({header(1, 0, 480)}), 10, "zero tracks"); }
    SECTION("zero division") {
        require_error(cat({header(1, 1, 0), track({end_of_track})}), 12, "zero ticks per quarter");
    }
    SECTION("SMPTE with unsupported frames per second") {
        require_error(cat({header(1, 1, uint16_t((0xE9 << 8) | 10)), track({end_of_track})}), 12,
                      "23 frames per second");
    }
    SECTION("SMPTE with zero ticks per frame") {
        require_error(cat({header(1, 1, uint16_t(0xE8 << 8)), track({end_of_track})}), 13,
                      "zero ticks per frame");
    }
    SECTION("a huge chunk length is checked before anything is allocated") {
        require_error(cat({header(1, 1, 480), Bytes{'M', 'T', 'r', 'k'}, be32(0xFFFFFFFF)}), 18,
                      "4294967295");
    }
}

TEST_CASE("a format 0 header announcing two tracks: both read, as format 1, with a warning", "[midi][reader]") {
    const MidiFile file = parse(cat({header(0, 2, 480),
                                     track({ev(0, {0xFF, 0x51, 3, 0x0F, 0x42, 0x40}), ev(0, {0x90, 60, 100}),
                                            ev(480, {0x80, 60, 0}), end_of_track}),
                                     track({ev(0, {0x90, 64, 100}), ev(960, {0x80, 64, 0}), end_of_track})}));
    CHECK(file.format == 1);
    CHECK(file.track_count == 2);
    REQUIRE(file.notes.size() == 2);
    CHECK(file.notes[1].pitch == 64);
    CHECK(file.notes[1].track == 1);
    CHECK(file.notes[1].end_s == Approx(2.0).epsilon(1e-15));  // track 0's tempo (1 s per quarter) applies
    REQUIRE(file.warnings.size() == 1);
    CHECK_THAT(file.warnings[0], Contains("format 0 with 2 tracks"));
}

TEST_CASE("read_midi reports a missing file as a MidiError at byte 0", "[midi][reader]") {
    const std::string path = "/nonexistent/cadenza/no-such-file.mid";
    try {
        read_midi(path);
        FAIL("expected a MidiError");
    } catch (const MidiError& error) {
        CHECK(error.offset() == 0);
        CHECK_THAT(std::string(error.what()), Contains(path) && Contains("could not be opened"));
    }
}

TEST_CASE("read_midi reads a file from disk", "[midi][reader]") {
    const Bytes bytes = format0({ev(0, {0x90, 60, 100}), ev(10, {0x80, 60, 0}), end_of_track});
    const std::string path =
        (std::filesystem::temp_directory_path() / "cadenza_test_read_midi.mid").string();
    std::FILE* out = std::fopen(path.c_str(), "wb");
    REQUIRE(out != nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), out);
    std::fclose(out);
    const MidiFile file = read_midi(path);
    std::remove(path.c_str());
    CHECK(file.name == path);
    CHECK(file.notes.size() == 1);
}

TEST_CASE("program changes and names are kept as instrument events, notes keep file order",
          "[midi]") {
    const Bytes bytes = cat({
        header(1, 2, 480),
        track({ev(0, {0xFF, 0x03, 0x04, 'S', 'o', 'n', 'g'}), end_of_track}),
        track({
            ev(0, {0xFF, 0x03, 0x0A, 'R', 'i', 'g', 'h', 't', ' ', 'H', 'a', 'n', 'd'}),
            ev(0, {0xC0, 0x05}),
            ev(0, {0xFF, 0x04, 0x05, 'F', 'l', 'u', 't', 'e'}),
            ev(0, {0x91, 67, 90}),  // channel 1 first in the file, before the program is set there
            ev(0, {0x90, 60, 90}),
            ev(100, {0xC9, 0x00}),  // drums
            ev(380, {0x81, 67, 0}),
            ev(0, {0x80, 60, 0}),
            end_of_track,
        }),
    });
    const MidiFile file = parse(bytes);
    REQUIRE(file.instrument_events.size() == 5);
    using Kind = cadenza::midi::InstrumentEvent::Kind;
    CHECK(file.instrument_events[0].kind == Kind::track_name);
    CHECK(file.instrument_events[0].track == 0);
    CHECK(file.instrument_events[0].text == "Song");
    CHECK(file.instrument_events[1].kind == Kind::track_name);
    CHECK(file.instrument_events[1].track == 1);
    CHECK(file.instrument_events[1].channel == -1);
    CHECK(file.instrument_events[1].text == "Right Hand");
    CHECK(file.instrument_events[2].kind == Kind::program_change);
    CHECK(file.instrument_events[2].channel == 0);
    CHECK(file.instrument_events[2].program == 5);
    CHECK(file.instrument_events[2].text.empty());
    CHECK(file.instrument_events[3].kind == Kind::instrument_name);
    CHECK(file.instrument_events[3].text == "Flute");
    CHECK(file.instrument_events[4].kind == Kind::program_change);
    CHECK(file.instrument_events[4].channel == 9);
    CHECK(file.instrument_events[4].tick == 100);
    REQUIRE(file.notes.size() == 2);
    // sorted by (tick, track, channel, pitch); sequence keeps the file order
    CHECK(file.notes[0].pitch == 60);
    CHECK(file.notes[0].sequence == 1);
    CHECK(file.notes[0].program == 5);
    CHECK(file.notes[1].pitch == 67);
    CHECK(file.notes[1].sequence == 0);
    CHECK(file.notes[1].program == 0);
}
