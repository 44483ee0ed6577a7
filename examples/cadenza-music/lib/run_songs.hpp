// examples/cadenza-music/lib/run_songs.hpp: the songs a run reads, as its
// settings shape them.
//
//   SongSplit split = song_split(corpus.songs.size(), 0.2, 1);  // train / validation / test song indices
//   RunSongs songs = make_run_songs(corpus, settings);          // ids in the run's vocabulary
//
// The song split holds out round(fraction * songs) whole songs, chosen by the
// split seed exactly as music::SequenceDataset::split_songs does (the same
// shuffle, the same cut); the first half of the held-out songs, in the
// shuffle's order (rounded up), validates, the rest is the test set.
//
// Key normalisation (--key-normalize) moves every song, held out or not, by
// the semitones (-5..+6) that bring its estimated key (music/key.hpp, from
// the pitch classes of its tokens, each counted once per token) to C major
// or A minor; each held-out song's shift is kept so `evaluate` can move the
// predictions back. Augmentation (--transpose K) adds, for every training
// song, its copies moved by -K..-1 and 1..K semitones (a copy that would
// leave MIDI 0..127 is left out). The run's vocabulary is the corpus's with
// the tokens these make appended (the corpus's ids keep their meaning).
#pragma once

#include <cstdint>
#include <vector>

#include "cadenza/music/transpose.hpp"
#include "cadenza/music/vocabulary.hpp"
#include "corpus.hpp"
#include "settings.hpp"

namespace cadenza::app {

struct SongSplit {
    std::vector<size_t> train, validation, test;  // corpus song indices
};

SongSplit song_split(size_t songs, double held_out_fraction, uint64_t seed);

music::TokenEncoding token_encoding(Encoding e);

struct RunSongs {
    music::Vocabulary vocabulary;  // the corpus's, then the run's own tokens
    SongSplit split;
    std::vector<std::vector<int>> train;       // training songs (and their moved copies), run ids
    std::vector<std::vector<int>> validation;  // as the model reads them (normalised when key_normalize)
    std::vector<std::vector<int>> test;
    std::vector<int> validation_shift, test_shift;  // semitones each was moved (0 without key_normalize)
    int64_t augmented_copies = 0;
};

RunSongs make_run_songs(const Corpus& corpus, const Settings& s);

// The semitones that move a piece's estimated key to C major or A minor.
int normalising_shift(const std::vector<std::string>& tokens, music::TokenEncoding encoding);

}  // namespace cadenza::app
