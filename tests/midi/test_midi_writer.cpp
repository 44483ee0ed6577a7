// Tests for cadenza/music/midi_writer.hpp: what is written reads back as the
// same notes (ticks exactly, seconds within 1e-9), invalid input is refused,
// and write_midi never leaves a half-written or temporary file behind.
#include <cadenza/midi/midi_reader.hpp>
#include <cadenza/midi/midi_writer.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace cadenza::midi;
using Catch::Matchers::Contains;

namespace {

Note make_note(int track, int channel, int program, int pitch, int velocity, int64_t start,
               int64_t end) {
    Note note;
    note.track = track;
    note.channel = channel;
    note.program = program;
    note.pitch = pitch;
    note.velocity = velocity;
    note.start_tick = start;
    note.end_tick = end;
    return note;
}

// The reader's documented order; same-key notes with one start keep FIFO
// order, which the writer sets by end tick.
std::vector<Note> in_reader_order(std::vector<Note> notes) {
    std::stable_sort(notes.begin(), notes.end(), [](const Note& a, const Note& b) {
        if (a.start_tick != b.start_tick) return a.start_tick < b.start_tick;
        if (a.track != b.track) return a.track < b.track;
        if (a.channel != b.channel) return a.channel < b.channel;
        if (a.pitch != b.pitch) return a.pitch < b.pitch;
        return a.end_tick < b.end_tick;
    });
    return notes;
}

// Seconds of `tick` for a tempo map given as (tick, microseconds per quarter)
// pairs starting at tick 0, computed independently of the reader.
double seconds_at(int64_t tick, const std::vector<std::pair<int64_t, double>>& tempo,
                  int ticks_per_quarter) {
    double seconds = 0.0;
    for (size_t i = 0; i < tempo.size(); ++i) {
        const int64_t begin = tempo[i].first;
        const int64_t end = i + 1 < tempo.size() ? tempo[i + 1].first : tick;
        if (tick <= begin) break;
        seconds += double(std::min(end, tick) - begin) * tempo[i].second / ticks_per_quarter / 1e6;
    }
    return seconds;
}

void require_same_notes(const std::vector<Note>& written, const MidiFile& read,
                        const std::vector<std::pair<int64_t, double>>& tempo, int ticks_per_quarter,
                        bool keep_track) {
    const std::vector<Note> expected = in_reader_order(written);
    REQUIRE(read.notes.size() == expected.size());
    CHECK(read.unterminated.empty());
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO("note " << i);
        const Note& want = expected[i];
        const Note& got = read.notes[i];
        CHECK(got.track == (keep_track ? want.track : 0));
        CHECK(got.channel == want.channel);
        CHECK(got.program == want.program);
        CHECK(got.pitch == want.pitch);
        CHECK(got.velocity == want.velocity);
        CHECK(got.start_tick == want.start_tick);
        CHECK(got.end_tick == want.end_tick);
        CHECK(std::abs(got.start_s - seconds_at(want.start_tick, tempo, ticks_per_quarter)) < 1e-9);
        CHECK(std::abs(got.end_s - seconds_at(want.end_tick, tempo, ticks_per_quarter)) < 1e-9);
    }
}

// Notes whose same-key overlaps FIFO pairing can express: per key, ends never
// decrease in start order. Includes chords, zero-length notes, same-start
// pairs and re-struck overlapping notes.
std::vector<Note> random_notes(std::mt19937& random, int tracks, size_t count) {
    std::vector<Note> notes;
    std::uniform_int_distribution<int> track_of(0, tracks - 1), channel_of(0, 3), pitch_of(58, 63),
        velocity_of(1, 127), program_of(0, 3), gap_of(0, 40), length_of(0, 60);
    std::vector<std::pair<int64_t, int64_t>> last(size_t(tracks) * 16 * 128, {0, 0});
    for (size_t i = 0; i < count; ++i) {
        const int track = track_of(random), channel = channel_of(random), pitch = pitch_of(random);
        auto& [last_start, last_end] =
            last[(size_t(track) * 16 + size_t(channel)) * 128 + size_t(pitch)];
        const int64_t start = last_start + gap_of(random) / 8;  // often the same tick
        const int64_t end =
            std::max(last_end, start + length_of(random) * (random() % 4 == 0 ? 0 : 1));
        last_start = start;
        last_end = end;
        notes.push_back(
            make_note(track, channel, program_of(random), pitch, velocity_of(random), start, end));
    }
    std::shuffle(notes.begin(), notes.end(), random);  // input order must not matter
    return notes;
}

}  // namespace

TEST_CASE("format 0 round trip keeps every note", "[midi][writer]") {
    const std::vector<Note> notes = {
        make_note(0, 0, 0, 60, 100, 0, 480),
        make_note(0, 0, 0, 64, 90, 0, 480),    // chord
        make_note(0, 1, 40, 60, 80, 0, 240),   // same pitch, other channel, other program
        make_note(0, 0, 0, 60, 70, 480, 960),  // re-struck as the first ends: off before on
        make_note(0, 0, 0, 67, 60, 600, 600),  // zero length
        make_note(0, 0, 0, 67, 61, 600, 700),  // same key, same start, later end
        make_note(0, 0, 0, 72, 50, 700, 900),
        make_note(0, 0, 0, 72, 51, 800, 1000),  // overlaps the previous on the same key
        make_note(0, 9, 0, 36, 127, 1000, 1000),
    };
    MidiWriteOptions options;
    options.format = 0;
    options.track_names = {"Piano"};
    const std::vector<uint8_t> bytes = encode_midi(notes, options);
    const MidiFile file = parse_midi(bytes.data(), bytes.size(), "roundtrip.mid");
    CHECK(file.format == 0);
    CHECK(file.track_count == 1);
    CHECK(file.warnings.empty());
    REQUIRE(file.track_names.size() == 1);
    CHECK(file.track_names[0] == "Piano");
    REQUIRE(file.time_signatures.size() == 1);
    CHECK(file.time_signatures[0].numerator == 4);
    CHECK(file.time_signatures[0].denominator == 4);
    REQUIRE(file.tempo_map.size() == 1);
    CHECK(file.tempo_map[0].microseconds_per_quarter == 500000);
    require_same_notes(notes, file, {{0, 500000.0}}, 480, false);
}

TEST_CASE("format 1 round trip: one MTrk per track value after the conductor track",
          "[midi][writer]") {
    const std::vector<Note> notes = {
        make_note(1, 0, 0, 60, 100, 0, 960),     make_note(2, 1, 33, 40, 90, 480, 1440),
        make_note(2, 1, 34, 43, 90, 480, 1440),  // program change at the same tick, same channel
        make_note(3, 0, 5, 60, 100, 100, 200),   // same key as track 1 but another track
        make_note(1, 0, 0, 62, 100, 1920, 1920),
    };
    MidiWriteOptions options;
    options.format = 1;
    options.ticks_per_quarter = 96;
    options.microseconds_per_quarter = 400000;
    options.tempo_changes = {TempoChange{0, 960, 800000}, TempoChange{0, 1500, 250000}};
    options.time_signature.numerator = 3;
    options.time_signature.denominator = 8;
    options.track_names = {"Conductor", "Right hand", "", "Left hand"};
    const std::vector<uint8_t> bytes = encode_midi(notes, options);
    const MidiFile file = parse_midi(bytes.data(), bytes.size(), "roundtrip.mid");
    CHECK(file.format == 1);
    CHECK(file.track_count == 4);
    CHECK(file.warnings.empty());
    CHECK(file.track_names == std::vector<std::string>{"Conductor", "Right hand", "", "Left hand"});
    REQUIRE(file.time_signatures.size() == 1);
    CHECK(file.time_signatures[0].numerator == 3);
    CHECK(file.time_signatures[0].denominator == 8);
    REQUIRE(file.tempo_map.size() == 3);
    CHECK(file.tempo_map[2].tick == 1500);
    CHECK(file.tempo_map[2].track == 0);
    require_same_notes(notes, file, {{0, 400000.0}, {960, 800000.0}, {1500, 250000.0}}, 96, true);

    // The conductor track holds no notes when no note has track 0.
    for (const Note& note : file.notes) CHECK(note.track != 0);
}

TEST_CASE("random notes round trip through both formats", "[midi][writer]") {
    std::mt19937 random(12345);
    for (int format : {0, 1}) {
        for (int round = 0; round < 20; ++round) {
            INFO("format " << format << ", round " << round);
            const std::vector<Note> notes = random_notes(random, format == 0 ? 1 : 4, 300);
            MidiWriteOptions options;
            options.format = format;
            options.ticks_per_quarter = 120;
            options.microseconds_per_quarter = 612345;
            const std::vector<uint8_t> bytes = encode_midi(notes, options);
            const MidiFile file = parse_midi(bytes.data(), bytes.size(), "random.mid");
            CHECK(file.warnings.empty());
            require_same_notes(notes, file, {{0, 612345.0}}, 120, format == 1);
        }
    }
}

TEST_CASE("a same-key note nested inside another keeps its ticks, paired FIFO", "[midi][writer]") {
    // B starts after A and ends before it on the same key: FIFO pairing on
    // reading cannot tell them apart, as documented; the ticks survive.
    const std::vector<Note> notes = {make_note(0, 0, 0, 60, 10, 0, 100),
                                     make_note(0, 0, 0, 60, 20, 20, 50)};
    const std::vector<uint8_t> bytes = encode_midi(notes);
    const MidiFile file = parse_midi(bytes.data(), bytes.size(), "nested.mid");
    REQUIRE(file.notes.size() == 2);
    CHECK(file.notes[0].start_tick == 0);
    CHECK(file.notes[0].end_tick == 50);
    CHECK(file.notes[1].start_tick == 20);
    CHECK(file.notes[1].end_tick == 100);
    CHECK(file.unterminated.empty());
}

TEST_CASE("program changes are written only where the program changes", "[midi][writer]") {
    const std::vector<Note> notes = {make_note(0, 2, 19, 60, 100, 0, 10),
                                     make_note(0, 2, 19, 61, 100, 10, 20),
                                     make_note(0, 2, 20, 62, 100, 20, 30)};
    MidiWriteOptions options;
    options.format = 0;
    const std::vector<uint8_t> bytes = encode_midi(notes, options);
    CHECK(std::count(bytes.begin(), bytes.end(), uint8_t(0xC2)) == 2);
    const MidiFile file = parse_midi(bytes.data(), bytes.size(), "programs.mid");
    REQUIRE(file.notes.size() == 3);
    CHECK(file.notes[0].program == 19);
    CHECK(file.notes[1].program == 19);
    CHECK(file.notes[2].program == 20);
}

TEST_CASE("an empty note list writes a valid file", "[midi][writer]") {
    const std::vector<uint8_t> bytes = encode_midi({});
    const MidiFile file = parse_midi(bytes.data(), bytes.size(), "empty.mid");
    CHECK(file.format == 1);
    CHECK(file.track_count == 1);
    CHECK(file.notes.empty());
    CHECK(file.warnings.empty());
}

TEST_CASE("invalid notes and options are refused", "[midi][writer]") {
    const Note good = make_note(0, 0, 0, 60, 100, 0, 10);
    auto refuse = [](const std::vector<Note>& notes, const MidiWriteOptions& options,
                     const std::string& fragment) {
        INFO(fragment);
        CHECK_THROWS_AS(encode_midi(notes, options), cadenza::Error);
        CHECK_THROWS_WITH(encode_midi(notes, options), Contains(fragment));
    };
    const MidiWriteOptions defaults;
    Note note = good;
    note.pitch = 128;
    refuse({good, note}, defaults, "note 1 has pitch 128");
    note = good;
    note.start_tick = -1;
    refuse({note}, defaults, "negative tick");
    note = good;
    note.end_tick = -5;
    note.start_tick = 3;
    refuse({note}, defaults, "before its start");
    note = good;
    note.channel = 16;
    refuse({note}, defaults, "channel 16");
    note = good;
    note.velocity = 0;
    refuse({note}, defaults, "velocity 0");
    note = good;
    note.program = 128;
    refuse({note}, defaults, "program 128");
    note = good;
    note.track = -1;
    refuse({note}, defaults, "track -1");

    MidiWriteOptions options;
    options.format = 2;
    refuse({good}, options, "format 2");
    options = {};
    options.ticks_per_quarter = 0;
    refuse({good}, options, "ticks_per_quarter 0");
    options = {};
    options.microseconds_per_quarter = 0x1000000;
    refuse({good}, options, "tempo");
    options = {};
    options.time_signature.denominator = 6;
    refuse({good}, options, "time signature 4/6");
    note = good;
    note.end_tick = int64_t(1) << 40;
    refuse({note}, {}, "longer than a delta time");
}

TEST_CASE("write_midi writes through a temporary file and leaves nothing else", "[midi][writer]") {
    namespace fs = std::filesystem;
    const fs::path folder = fs::temp_directory_path() / "cadenza_test_write_midi";
    fs::remove_all(folder);
    fs::create_directories(folder);
    const std::string path = (folder / "song.mid").string();
    const std::vector<Note> notes = {make_note(0, 0, 0, 60, 100, 0, 480)};

    write_midi(path, notes);
    write_midi(path, notes);  // replacing an existing file works too
    const MidiFile file = read_midi(path);
    REQUIRE(file.notes.size() == 1);
    CHECK(file.notes[0].end_s == 0.5);
    CHECK(std::distance(fs::directory_iterator(folder), fs::directory_iterator()) == 1);

    // Invalid notes: nothing is written and the old file stays as it was.
    Note bad = notes[0];
    bad.pitch = -1;
    CHECK_THROWS_AS(write_midi(path, {bad}), cadenza::Error);
    CHECK(read_midi(path).notes.size() == 1);

    // An unwritable place is an Error naming the path.
    const std::string nowhere = (folder / "missing" / "song.mid").string();
    CHECK_THROWS_AS(write_midi(nowhere, notes), cadenza::Error);
    CHECK_THROWS_WITH(write_midi(nowhere, notes), Contains(nowhere));
    CHECK(std::distance(fs::directory_iterator(folder), fs::directory_iterator()) == 1);
    fs::remove_all(folder);
}
