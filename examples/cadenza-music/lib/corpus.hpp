// examples/cadenza-music/lib/corpus.hpp: a folder of MIDI files as token-id
// streams, saved as one file.
//
// `cadenza-music prepare` reads every MIDI file it is given (or finds in the
// folders it is given), tokenizes each with the chosen encoding, builds the
// vocabulary and saves a corpus: a Cadenza container (io/container.hpp) with
// the sections
//   "corpus"      text: format line, encoding, options, song count
//   "vocabulary"  cadenza::music::Vocabulary::serialize()
//   "songs"       per song: its file name and its token ids
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cadenza/io/container.hpp"
#include "cadenza/midi/midi_types.hpp"
#include "cadenza/music/vocabulary.hpp"

namespace cadenza::app {

// paper: notes, chords as pitch-class sets, rests (music21's tokens);
// rich: octaves kept, every token with its duration (docs/music-encoding.md).
enum class Encoding { paper, rich };
const char* encoding_name(Encoding encoding);
Encoding parse_encoding(const std::string& name, const std::string& where);

// Which parts of a file the paper encoding reads (the rich one reads all):
// music21's first instrument part, as the paper's code does, or every track.
enum class Parts { first, all };
const char* parts_name(Parts parts);
Parts parse_parts(const std::string& name, const std::string& where);

struct Song {
    std::string name;
    std::vector<int> ids;
};

struct Corpus {
    Encoding encoding = Encoding::paper;
    bool rests = true;
    Parts parts = Parts::first;
    music::Vocabulary vocabulary;
    std::vector<Song> songs;

    int64_t token_count() const;
};

// Tokens of one MIDI file in the given encoding (drums left out).
std::vector<std::string> tokenize(const midi::MidiFile& file, Encoding encoding, bool rests,
                                  Parts parts);

// Files named directly, plus MIDI files found (recursively, following links to
// folders, never into one twice) in folders named, each folder's sorted.
// Entries of a folder that cannot be read (a link loop, a dangling link, a
// FIFO or device named like a MIDI file) are added to `skipped` with the reason.
// Throws cadenza::Error for an input that does not exist or a folder without
// MIDI files.
std::vector<std::string> find_midi_files(const std::vector<std::string>& inputs,
                                         std::vector<std::pair<std::string, std::string>>& skipped);

struct PrepareReport {
    int files_read = 0;
    std::vector<std::pair<std::string, std::string>> skipped;   // file, reason
    std::vector<std::pair<std::string, std::string>> warnings;  // file, what was tolerated
    int64_t tokens = 0;
    int unique_pitches = 0;
    int64_t drum_notes = 0;
    int64_t notes = 0;
    int64_t folded_tokens = 0;
};

// Reads and tokenizes the files on `threads` threads (0: all cores), 256
// files at a time (memory: one chunk of MIDI files, plus the tokens); the
// result, the report included, is the same for any thread count.
Corpus prepare_corpus(const std::vector<std::string>& files, Encoding encoding, bool rests,
                      Parts parts, int64_t min_count, PrepareReport& report, int threads = 1);
void save_corpus(const Corpus& corpus, const std::string& path);
Corpus load_corpus(const std::string& path);
// The same from a container already read (its source names it in messages).
Corpus load_corpus(const io::Container& in);

// "key value" lines, as the corpus and checkpoint headers hold them.
std::map<std::string, std::string> parse_key_values(const std::string& text);
// The "vocabulary" section of a corpus or checkpoint.
music::Vocabulary read_vocabulary(const io::Container& in);
// Every token of `vocabulary` is one `encoding` makes (or <unk>); throws
// cadenza::Error naming `where` and the first token that is not.
void check_vocabulary(const music::Vocabulary& vocabulary, Encoding encoding, const std::string& where);

}  // namespace cadenza::app
