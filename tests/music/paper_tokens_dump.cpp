// paper-tokens-dump [--parts first_instrument|all_tracks|first_track] [--no-rests] [--piano-merge] FILE...
// Prints the paper's tokens of each MIDI file as tokenize.hpp makes them:
// a line "== FILE" (or "== FILE !error: reason"), then one token a line.
// tools/compare_music21.py compares them with music21's own tokens.
#include <cadenza/midi/midi_reader.hpp>
#include <cadenza/music/tokenize.hpp>

#include <exception>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    namespace music = cadenza::music;
    music::ScoreOptions options;
    options.include_rests = true;
    bool any = false, piano = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--piano-merge") {
            piano = true;
        } else if (arg == "--no-rests") {
            options.include_rests = false;
        } else if (arg == "--parts" && i + 1 < argc) {
            const std::string v = argv[++i];
            if (v == "first_instrument") options.parts = music::PartSelection::first_instrument;
            else if (v == "all_tracks") options.parts = music::PartSelection::all_tracks;
            else if (v == "first_track") options.parts = music::PartSelection::first_track;
            else {
                std::cerr << "unknown --parts " << v << "\n";
                return 2;
            }
        } else {
            any = true;
            try {
                const auto file = cadenza::midi::read_midi(arg);
                const auto tokens =
                    piano ? music::piano_merge_tokens(file) : music::paper_tokens(file, options);
                std::cout << "== " << arg << "\n";
                for (const auto& t : tokens) std::cout << t << "\n";
            } catch (const std::exception& e) {
                std::cout << "== " << arg << " !error: " << e.what() << "\n";
            }
        }
    }
    if (!any) {
        std::cerr << "usage: paper-tokens-dump [--parts first_instrument|all_tracks|first_track] "
                     "[--no-rests] [--piano-merge] FILE...\n";
        return 2;
    }
    return 0;
}
