// The paper's tokens of generated files (generated_scores.hpp) against
// music21 10.5.1's own, token for token. Runs everywhere: the files are made
// here, music21's tokens are committed fixtures (tests/music/fixtures/generated/).
#include <catch2/catch.hpp>

#include <cadenza/midi/midi_reader.hpp>
#include <cadenza/midi/midi_writer.hpp>
#include <cadenza/music/tokenize.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "generated_scores.hpp"

namespace {

std::vector<std::string> fixture(const std::string& name) {
    std::ifstream in(std::string(CADENZA_SOURCE_DIR) + "/tests/music/fixtures/generated/" + name +
                     ".txt");
    REQUIRE(in.good());
    std::vector<std::string> tokens;
    for (std::string line; std::getline(in, line);) tokens.push_back(line);
    return tokens;
}

}  // namespace

TEST_CASE("generated files give music21's tokens exactly", "[tokenize][music21]") {
    const auto scores = cadenza::test::generated_scores();
    REQUIRE(scores.size() == 7);
    for (const auto& score : scores) {
        INFO(score.name);
        const cadenza::midi::MidiFile file =
            cadenza::midi::parse_midi(score.bytes, score.name + ".mid");
        cadenza::music::ScoreOptions options;
        options.include_rests = true;
        const std::vector<std::string> ours = cadenza::music::paper_tokens(file, options);
        const std::vector<std::string> reference = fixture(score.name);
        CHECK(!reference.empty());
        CHECK(ours == reference);
    }
}

TEST_CASE("generated files read back as they were written", "[midi][music21]") {
    for (const auto& score : cadenza::test::generated_scores()) {
        INFO(score.name);
        const cadenza::midi::MidiFile file = cadenza::midi::parse_midi(score.bytes, score.name);
        CHECK(file.warnings.empty());
        CHECK(file.unterminated.empty());
        cadenza::midi::MidiWriteOptions again;
        again.format = file.format;
        again.ticks_per_quarter = file.division.ticks_per_quarter;
        again.track_names = file.track_names;
        if (!file.time_signatures.empty()) again.time_signature = file.time_signatures.front();
        for (size_t i = 1; i < file.tempo_map.size(); ++i)
            again.tempo_changes.push_back(file.tempo_map[i]);
        const cadenza::midi::MidiFile copy =
            cadenza::midi::parse_midi(cadenza::midi::encode_midi(file.notes, again), "copy");
        REQUIRE(copy.notes.size() == file.notes.size());
        for (size_t i = 0; i < copy.notes.size(); ++i) {
            CHECK(copy.notes[i].start_tick == file.notes[i].start_tick);
            CHECK(copy.notes[i].end_tick == file.notes[i].end_tick);
            CHECK(copy.notes[i].pitch == file.notes[i].pitch);
            CHECK(copy.notes[i].channel == file.notes[i].channel);
            CHECK(copy.notes[i].program == file.notes[i].program);
            CHECK(copy.notes[i].start_s == file.notes[i].start_s);
        }
        CHECK(copy.tempo_map.size() == file.tempo_map.size());
    }
}
