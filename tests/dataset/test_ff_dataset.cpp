// tests/dataset/test_ff_dataset.cpp: tests on the paper's data set, the 92
// Final Fantasy piano files in ../shared/datasets/final-fantasy-piano (or
// $CADENZA_FF_DATASET). Where the data set is absent the binary prints
// "skipped: ..." and exits 77, which ctest reports as skipped, not passed.
//
// What runs on it: every file parses; every file written back reads the same;
// the paper's tokens agree with music21's on the files of
// tests/music/fixtures/music21/; the song split at seed 1 holds out the songs
// it held out when docs/results.md was measured.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cadenza/midi/midi_reader.hpp>
#include <cadenza/midi/midi_writer.hpp>
#include <cadenza/music/dataset.hpp>
#include <cadenza/music/tokenize.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "corpus.hpp"

namespace fs = std::filesystem;
using namespace cadenza::midi;
namespace music = cadenza::music;

namespace {

fs::path dataset_folder() {
    if (const char* env = std::getenv("CADENZA_FF_DATASET")) return env;
    return fs::path(CADENZA_SOURCE_DIR) / ".." / "shared" / "datasets" / "final-fantasy-piano";
}

std::vector<fs::path> midi_files() {
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(dataset_folder())) {
        std::string extension = entry.path().extension().string();
        for (char& c : extension) c = char(std::tolower(static_cast<unsigned char>(c)));
        if (extension == ".mid" || extension == ".midi" || extension == ".rmi")
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("every file of the Final Fantasy piano set parses", "[dataset][midi]") {
    size_t files = 0, notes = 0;
    for (const fs::path& path : midi_files()) {
        INFO(path.string());
        MidiFile file;
        REQUIRE_NOTHROW(file = read_midi(path.string()));
        CHECK(file.track_count >= 1);
        bool ordered = true;
        for (const Note& note : file.notes)
            ordered = ordered && note.end_tick >= note.start_tick && note.end_s >= note.start_s;
        CHECK(ordered);
        ++files;
        notes += file.notes.size();
    }
    CHECK(files == 92);
    CHECK(notes > 50000);
}

TEST_CASE("a read file written back reads the same", "[dataset][midi]") {
    size_t files = 0;
    for (const fs::path& path : midi_files()) {
        const MidiFile original = read_midi(path.string());
        if (original.format != 1 || original.division.smpte) continue;
        MidiWriteOptions options;
        options.format = 1;
        options.ticks_per_quarter = original.division.ticks_per_quarter;
        for (const TempoChange& change : original.tempo_map)
            options.tempo_changes.push_back(change);
        options.track_names = original.track_names;
        const std::vector<uint8_t> bytes = encode_midi(original.notes, options);
        const MidiFile copy = parse_midi(bytes.data(), bytes.size(), "copy.mid");
        INFO(path.string());
        // Real files may hold same-key notes nested inside each other, which
        // FIFO pairing cannot express; the start and end ticks still survive.
        REQUIRE(copy.notes.size() == original.notes.size());
        bool same_starts = true, same_seconds = true;
        for (size_t i = 0; i < copy.notes.size(); ++i) {
            same_starts = same_starts && copy.notes[i].start_tick == original.notes[i].start_tick &&
                          copy.notes[i].pitch == original.notes[i].pitch;
            same_seconds =
                same_seconds && std::abs(copy.notes[i].start_s - original.notes[i].start_s) < 1e-9;
        }
        CHECK(same_starts);
        CHECK(same_seconds);
        ++files;
    }
    CHECK(files > 0);
}

TEST_CASE("tokens agree with music21 on the data set", "[dataset][tokenize]") {
    const fs::path fixtures =
        fs::path(CADENZA_SOURCE_DIR) / "tests" / "music" / "fixtures" / "music21";
    // Files we expect token for token (partitionByInstrument included).
    const std::vector<std::string> exact = {"0fithos",
                                            "DOS",
                                            "electric_de_chocobo",
                                            "z_aeristhemepiano",
                                            "Finalfantasy6fanfarecomplete",
                                            "BlueStone_LastDungeon",
                                            "relmstheme-piano",
                                            "roseofmay-piano",
                                            "Finalfantasy5gilgameshp",
                                            "8",
                                            "sera_"};
    // Files with differences explained in docs/music-encoding.md (note
    // pairing, voices): measured and reported, not required token by token.
    const std::vector<std::string> partial = {"EyesOnMePiano", "Fyw_piano", "Eternal_Harvest",
                                              "ff8-lfp"};
    size_t matched = 0, total = 0;
    auto compare = [&](const std::string& name, bool must_match) {
        std::ifstream in(fixtures / (name + ".txt"));
        REQUIRE(in.good());
        std::vector<std::string> reference;
        for (std::string line; std::getline(in, line);) reference.push_back(line);
        music::ScoreOptions options;
        options.include_rests = true;
        const auto ours =
            music::paper_tokens(read_midi((dataset_folder() / (name + ".mid")).string()), options);
        size_t same = 0;
        for (size_t i = 0; i < std::min(ours.size(), reference.size()); ++i)
            same += ours[i] == reference[i];
        std::cout << "music21 agreement " << name << ": " << same << "/" << reference.size()
                  << " (ours " << ours.size() << ")\n";
        matched += same;
        total += reference.size();
        if (must_match) CHECK(ours == reference);
    };
    for (const auto& name : exact) compare(name, true);
    for (const auto& name : partial) compare(name, false);
    std::cout << "music21 agreement total: " << matched << "/" << total << "\n";
    CHECK(double(matched) >= 0.6 * double(total));  // measured: 7803/12790 (0.61)
}

TEST_CASE("the song split at seed 1 holds out the same songs as in docs/results.md",
          "[dataset][split]") {
    // `cadenza-music prepare` with its defaults, then `train`'s split: whole
    // songs, validation fraction 0.2, seed 1.
    std::vector<std::string> files;
    for (const fs::path& p : midi_files()) files.push_back(p.string());
    cadenza::app::PrepareReport report;
    const cadenza::app::Corpus corpus = cadenza::app::prepare_corpus(
        files, cadenza::app::Encoding::paper, true, cadenza::app::Parts::first, 1, report);
    REQUIRE(corpus.songs.size() == 74);
    std::vector<std::vector<int>> songs;
    for (const auto& s : corpus.songs) songs.push_back(s.ids);
    const music::SequenceDataset data(songs, 100);
    const auto split = data.split_songs(0.2, 1);
    std::vector<std::string> held_out;
    for (const auto& w : split.validation)
        if (held_out.empty() || held_out.back() != corpus.songs[w.song].name)
            held_out.push_back(corpus.songs[w.song].name);
    const std::vector<std::string> expected = {"0fithos.mid",
                                               "FF3_Battle_(Piano).mid",
                                               "Fiend_Battle_(Piano).mid",
                                               "Fierce_Battle_(Piano).mid",
                                               "Fyw_piano.mid",
                                               "Kingdom_Hearts_Traverse_Town.mid",
                                               "Life_Stream.mid",
                                               "OTD5YA.mid",
                                               "Rydia_pc.mid",
                                               "ViviinAlexandria.mid",
                                               "Zelda_Overworld.mid",
                                               "cosmo.mid",
                                               "mining.mid",
                                               "path_of_repentance.mid",
                                               "sandy.mid"};
    CHECK(held_out == expected);
}

int main(int argc, char** argv) {
    std::error_code error;
    if (!fs::is_directory(dataset_folder(), error)) {
        std::printf("skipped: no data set at %s (set CADENZA_FF_DATASET to its folder)\n",
                    dataset_folder().string().c_str());
        return 77;  // ctest's SKIP_RETURN_CODE
    }
    return Catch::Session().run(argc, argv);
}
