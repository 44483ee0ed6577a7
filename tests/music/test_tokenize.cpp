// Tests for pitch_names.hpp, the paper's tokens (score.hpp and its steps,
// paper_tokens.hpp, paper_decode.hpp) and rich_tokens.hpp: spellings, normal
// orders (golden values from music21 10.5), quantization, rests, ties,
// decoding and the rich round trip. Agreement with music21 on generated files
// is in test_music21_agreement.cpp; on the Final Fantasy data in tests/dataset/.
#include <catch2/catch.hpp>

#include <cadenza/music/pitch_names.hpp>
#include <cadenza/music/rich_tokens.hpp>
#include <cadenza/music/tokenize.hpp>

#include "note_files.hpp"

using cadenza::midi::MidiFile;
using cadenza::midi::Note;
namespace music = cadenza::music;
using cadenza_test::make_file;
using cadenza_test::make_note;

namespace {

std::vector<std::string> tokens_of(const MidiFile& f, bool rests = false) {
    music::ScoreOptions o;
    o.include_rests = rests;
    return music::paper_tokens(f, o);
}

}  // namespace

TEST_CASE("pitch spelling follows music21's defaults", "[tokenize]") {
    CHECK(music::pitch_name(60) == "C4");
    CHECK(music::pitch_name(61) == "C#4");
    CHECK(music::pitch_name(63) == "E-4");
    CHECK(music::pitch_name(70) == "B-4");
    CHECK(music::pitch_name(73) == "C#5");
    CHECK(music::pitch_name(21) == "A0");
    CHECK(music::pitch_name(0) == "C-1");
    CHECK(music::pitch_name(127) == "G9");
    for (int k = 12; k < 128; ++k) CHECK(music::parse_pitch_name(music::pitch_name(k)) == k);
    CHECK(music::parse_pitch_name("Eb4") == 63);
    CHECK(music::parse_pitch_name("e-4") == 63);
    CHECK(music::parse_pitch_name("B#3") == 60);
    CHECK(music::parse_pitch_name("C") == 60);
    CHECK_THROWS_AS(music::parse_pitch_name("H4"), music::TokenError);
    CHECK_THROWS_AS(music::parse_pitch_name("C4x"), music::TokenError);
    CHECK_THROWS_AS(music::parse_pitch_name("G10"), music::TokenError);
}

TEST_CASE("chord normal order matches music21", "[tokenize]") {
    using V = std::vector<int>;
    CHECK(music::normal_order(V{60, 64, 67}) == V{0, 4, 7});
    CHECK(music::normal_order(V{64, 67, 72}) == V{0, 4, 7});         // first inversion
    CHECK(music::normal_order(V{44, 45, 50, 55}) == V{7, 8, 9, 2});  // G#2 A2 D3 G3: wraps around
    CHECK(music::normal_order(V{83, 67, 74, 75, 86}) == V{11, 2, 3, 7});
    CHECK(music::normal_order(V{53, 57, 61}) == V{1, 5, 9});  // E#3 A3 C#4
    CHECK(music::normal_order(V{70, 74, 77}) == V{10, 2, 5});
    CHECK(music::normal_order(V{60, 61, 65, 66, 68}) == V{5, 6, 8, 0, 1});  // Forte, not Rahn
    CHECK(music::chord_token({59, 62, 66}) == "11.2.6");
    CHECK(music::chord_token({64, 69}) == "4.9");
    CHECK(music::chord_token({50, 62}) == "2");          // octaves of one class
    CHECK(music::chord_token({60, 64, 68}) == "0.4.8");  // symmetric: lowest start
    CHECK(music::chord_token({60, 63, 66, 69}) == "0.3.6.9");
    CHECK(music::chord_token({60, 60, 64}) == "0.4");  // repeated pitch
    CHECK(music::normal_order(V{}).empty());
}

TEST_CASE("quantization follows music21's (4, 3) grid", "[tokenize]") {
    const std::vector<int> d = {4, 3};
    using music::detail::best_match;
    CHECK(best_match(0.125, d, true) == 0.0);    // tie goes low
    CHECK(best_match(0.125, d, false) == 0.25);  // a sounding note never snaps to 0
    CHECK(best_match(0.3, d, true) == Approx(1.0 / 3));
    CHECK(best_match(0.4, d, false) == Approx(1.0 / 3));  // nearest alone
    CHECK(best_match(0.4, d, false, 0.5) == 0.5);         // reaches the next onset
    CHECK(best_match(0.72, d, true) == 0.75);
    CHECK(best_match(0.7, d, true) == Approx(2.0 / 3));
    CHECK(music::quarter_length_string(48) == "1.0");
    CHECK(music::quarter_length_string(12) == "0.25");
    CHECK(music::quarter_length_string(16) == "1/3");
    CHECK(music::quarter_length_string(52) == "13/12");
    CHECK(music::quarter_length_string(132) == "2.75");
}

TEST_CASE("notes, chords and drums become the paper's tokens", "[tokenize]") {
    MidiFile f = make_file({make_note(60, 0, 480), make_note(63, 480, 960),
                            make_note(64, 960, 1440), make_note(67, 965, 1440),
                            make_note(72, 960, 1435), make_note(36, 960, 1000, 1, 9)});
    // the drum note sits on channel 9 of another track
    f.notes.back().track = 2;
    CHECK(tokens_of(f) == std::vector<std::string>{"C4", "E-4", "0.4.7"});
    // a slightly late onset still lands on the beat
    MidiFile late = make_file({make_note(62, 10, 470)});
    REQUIRE(music::score_elements(late).size() == 1);
    CHECK(music::score_elements(late)[0].offset == 0);
    CHECK(music::score_elements(late)[0].duration == music::kUnitsPerQuarter);
}

TEST_CASE("notes starting together but ending apart stay separate", "[tokenize]") {
    MidiFile f =
        make_file({make_note(60, 0, 1920), make_note(64, 0, 480), make_note(67, 480, 960)});
    CHECK(tokens_of(f) == std::vector<std::string>{"C4", "E4", "G4"});
    // with rests each voice fills its own bar: C4 whole; E4 G4 then a half rest
    CHECK(tokens_of(f, true) == std::vector<std::string>{"C4", "E4", "G4", "rest_2.0"});
}

TEST_CASE("rests fill silences per bar and notes split at barlines", "[tokenize]") {
    MidiFile f = make_file({make_note(60, 0, 480), make_note(62, 960, 1440)});
    CHECK(tokens_of(f, true) == std::vector<std::string>{"C4", "rest_1.0", "D4", "rest_1.0"});
    MidiFile tied = make_file({make_note(60, 1440, 2400)});  // beat 4 over the barline
    CHECK(tokens_of(tied) == std::vector<std::string>{"C4", "C4"});
    CHECK(tokens_of(tied, true) == std::vector<std::string>{"rest_3.0", "C4", "C4", "rest_3.0"});
    MidiFile triplet = make_file({make_note(60, 160, 480)});  // starts a triplet eighth late
    CHECK(tokens_of(triplet, true) == std::vector<std::string>{"rest_1/3", "C4", "rest_3.0"});
    // a 3/4 time signature in the conductor track moves the barline
    MidiFile waltz = make_file({make_note(60, 960, 1920)});
    cadenza::midi::TimeSignature ts;
    ts.track = 0;
    ts.numerator = 3;
    waltz.time_signatures.push_back(ts);
    CHECK(tokens_of(waltz, true) == std::vector<std::string>{"rest_2.0", "C4", "C4", "rest_2.0"});
}

TEST_CASE("zero-length notes are grace notes and come first", "[tokenize]") {
    MidiFile f = make_file({make_note(60, 0, 480), make_note(62, 0, 0, 2)});
    music::ScoreOptions all;
    all.parts =
        music::PartSelection::all_tracks;  // no instruments: music21 would keep track 1 only
    const auto elements = music::score_elements(f, all);
    REQUIRE(elements.size() == 2);
    CHECK(elements[0].grace());
    CHECK(music::paper_token(elements[0]) == "D4");
    CHECK(music::paper_token(elements[1]) == "C4");
}

TEST_CASE("piano merge joins simultaneous notes of all tracks", "[tokenize]") {
    MidiFile f =
        make_file({make_note(48, 0, 1920, 1), make_note(64, 0, 480, 2), make_note(67, 5, 480, 2),
                   make_note(65, 480, 960, 2), make_note(36, 480, 500, 3, 9)});
    CHECK(music::piano_merge_tokens(f) == std::vector<std::string>{"0.4.7", "F4"});
    music::ScoreOptions all;
    all.parts = music::PartSelection::all_tracks;
    CHECK(music::paper_tokens(f, all) == std::vector<std::string>{"C3", "4.7", "F4"});
}

namespace {
cadenza::midi::InstrumentEvent program_change(int track, int channel, int64_t tick, int program) {
    cadenza::midi::InstrumentEvent e;
    e.track = track;
    e.channel = channel;
    e.tick = tick;
    e.program = program;
    return e;
}
cadenza::midi::InstrumentEvent name_event(int track, int64_t tick, const std::string& text,
                                          bool instrument = false) {
    cadenza::midi::InstrumentEvent e;
    e.kind = instrument ? cadenza::midi::InstrumentEvent::Kind::instrument_name
                        : cadenza::midi::InstrumentEvent::Kind::track_name;
    e.track = track;
    e.tick = tick;
    e.text = text;
    return e;
}
}  // namespace

TEST_CASE("music21 instrument names from track names and programs", "[tokenize]") {
    using music::detail::music21_names_instrument;
    CHECK(music21_names_instrument("Piano"));
    CHECK(music21_names_instrument("Piano RH"));
    CHECK(music21_names_instrument("Piano (Bass)"));
    CHECK(music21_names_instrument("Acoustic Grand Piano"));
    CHECK(music21_names_instrument("Klavier"));
    CHECK_FALSE(music21_names_instrument("Right Hand"));
    CHECK_FALSE(music21_names_instrument("Staff-1"));
    CHECK_FALSE(music21_names_instrument("Rachel_piano"));
    CHECK_FALSE(music21_names_instrument(""));
    CHECK(std::string(music::detail::music21_program_name(0)) == "Piano");
    CHECK(std::string(music::detail::music21_program_name(40)) == "Violin");
    const auto generic = music::detail::music21_instrument(name_event(1, 0, "Right Hand"));
    CHECK_FALSE(generic.has_name);
    CHECK(generic.is_generic);
    CHECK(generic.part_name == "Right Hand");
    const auto named = music::detail::music21_instrument(name_event(1, 0, " Piano RH\0junk"));
    CHECK(named.name == "Piano RH");
    CHECK_FALSE(named.is_generic);
    CHECK_FALSE(music::detail::music21_instrument(name_event(1, 0, "Instrument 3", true)).has_name);
    CHECK(music::detail::music21_instrument(name_event(1, 0, "Lead", true)).name == "Lead");
    CHECK_FALSE(music::detail::music21_instrument(name_event(1, 0, "Pok\xe9mon"))
                    .has_part_name);  // not UTF-8
}

TEST_CASE("tokens come from music21's first instrument part", "[tokenize]") {
    // Right hand (track 1) and left hand (track 2), both "Piano" through
    // program 0 (the generic track-name instruments are dropped): one part.
    MidiFile f = make_file(
        {make_note(72, 0, 480, 1), make_note(48, 0, 1920, 2), make_note(74, 480, 960, 1)}, 480);
    f.track_count = 3;
    f.instrument_events = {name_event(1, 0, "Right Hand"), program_change(1, 0, 0, 0),
                           name_event(2, 0, "Left Hand"), program_change(2, 1, 0, 0)};
    CHECK(tokens_of(f) == std::vector<std::string>{"C5", "C3", "D5"});
    // The left hand on a violin: parts[0] is the piano (it comes first).
    f.instrument_events.back().program = 40;
    CHECK(tokens_of(f) == std::vector<std::string>{"C5", "D5"});
    music::ScoreOptions all;
    all.parts = music::PartSelection::all_tracks;
    CHECK(music::paper_tokens(f, all) == std::vector<std::string>{"C5", "C3", "D5"});
    music::ScoreOptions first;
    first.merge_tracks = false;  // the older spelling of first_track
    CHECK(music::paper_tokens(f, first) == std::vector<std::string>{"C5", "D5"});
    // "Piano RH" and program 0 name two instruments at offset 0 ("Piano RH",
    // "Piano"): the first lasts no time, and parts[0] gets nothing.
    f.instrument_events = {name_event(1, 0, "Piano RH"), program_change(1, 0, 0, 0)};
    CHECK(tokens_of(f).empty());
    // Without any instrument, the parts are the tracks: the first one.
    f.instrument_events.clear();
    CHECK(tokens_of(f) == std::vector<std::string>{"C5", "D5"});
    // An instrument a beat in starts the part and splits the rest before it.
    f.instrument_events = {name_event(1, 0, "Piano Left"), program_change(1, 0, 480, 0)};
    f.notes = {make_note(60, 960, 1440, 1)};
    CHECK(tokens_of(f, true) == std::vector<std::string>{"rest_1.0"});
}

TEST_CASE("notes starting together keep their file order", "[tokenize]") {
    MidiFile f = make_file({make_note(60, 0, 480), make_note(67, 0, 960)});
    f.notes[0].sequence = 1;  // G4 came first in the file
    f.notes[1].sequence = 0;
    CHECK(tokens_of(f) == std::vector<std::string>{"G4", "C4"});
}

TEST_CASE("decoding places elements every half quarter", "[tokenize]") {
    const auto notes = music::decode_paper_tokens({"C4", "0.4.7", "rest_1.0", "E-4"}, 480);
    REQUIRE(notes.size() == 5);
    CHECK(notes[0].pitch == 60);
    CHECK(notes[0].start_tick == 0);
    CHECK(notes[0].end_tick == 480);  // music21's default quarter note
    CHECK(notes[1].pitch == 60);
    CHECK(notes[2].pitch == 64);
    CHECK(notes[3].pitch == 67);  // chord classes in octave 4
    CHECK(notes[3].start_tick == 240);
    CHECK(notes[4].pitch == 63);
    CHECK(notes[4].start_tick == 720);  // the rest took its step
    CHECK_THROWS_WITH(music::decode_paper_tokens({"C4", "X9"}, 480), Catch::Contains("X9"));
    CHECK_THROWS_AS(music::decode_paper_tokens({"0.13"}, 480), music::TokenError);
}

TEST_CASE("rich tokens keep octaves and rhythm", "[tokenize]") {
    std::vector<Note> line = {make_note(60, 0, 240),     make_note(64, 0, 240),
                              make_note(67, 0, 240),     make_note(62, 240, 480),
                              make_note(70, 960, 1120),  make_note(72, 1120, 1280),
                              make_note(74, 1280, 1440), make_note(36, 0, 100, 1, 9)};
    const auto tokens = music::encode_rich(line, 480);
    CHECK(tokens ==
          std::vector<std::string>{"C4.E4.G4:1/2", "D4:1/2", "R:1", "B-4:1/3", "C5:1/3", "D5:1/3"});
    auto back = music::decode_rich(tokens, 480);
    auto expected = music::quantize_notes(line, 480);
    auto key = [](const Note& n) { return std::make_tuple(n.start_tick, n.pitch, n.end_tick); };
    std::vector<std::tuple<int64_t, int, int64_t>> a, b;
    for (const auto& n : back) a.push_back(key(n));
    for (const auto& n : expected) b.push_back(key(n));
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    CHECK(a == b);
    // a sloppy performance comes back on the grid
    std::vector<Note> sloppy = {make_note(60, 7, 470), make_note(62, 485, 950)};
    CHECK(music::encode_rich(sloppy, 480) == std::vector<std::string>{"C4:1", "D4:1"});
    CHECK_THROWS_WITH(music::decode_rich({"C4:0"}, 480), Catch::Contains("C4:0"));
    CHECK_THROWS_WITH(music::decode_rich({"Q4:1"}, 480), Catch::Contains("Q4:1"));
    CHECK_THROWS_AS(music::decode_rich({"C4"}, 480), music::TokenError);
}
