// examples/cadenza-music/lib/run_songs.cpp: see run_songs.hpp.
#include "run_songs.hpp"

#include <array>
#include <cmath>

#include "cadenza/music/dataset.hpp"
#include "cadenza/music/key.hpp"

namespace cadenza::app {

SongSplit song_split(size_t songs, double held_out_fraction, uint64_t seed) {
    std::vector<uint32_t> order(songs);
    for (uint32_t s = 0; s < order.size(); ++s) order[s] = s;
    music::shuffle_in_place(order, seed);  // as SequenceDataset::split_songs
    const size_t held = size_t(std::llround(held_out_fraction * double(songs)));
    const size_t validation = (held + 1) / 2;
    SongSplit out;
    std::vector<int> side(songs, 0);  // 0 train, 1 validation, 2 test
    for (size_t k = songs - held; k < songs; ++k) side[order[k]] = k - (songs - held) < validation ? 1 : 2;
    // Each part in the shuffle's order, so the halves are fixed by the seed alone.
    for (size_t k = 0; k < songs; ++k) {
        const size_t song = order[k];
        (side[song] == 0 ? out.train : side[song] == 1 ? out.validation : out.test).push_back(song);
    }
    return out;
}

music::TokenEncoding token_encoding(Encoding e) {
    return e == Encoding::paper ? music::TokenEncoding::paper : music::TokenEncoding::rich;
}

int normalising_shift(const std::vector<std::string>& tokens, music::TokenEncoding encoding) {
    std::array<double, 12> weights{};
    for (const auto& t : tokens)
        for (int pc : music::token_pitch_classes(t, encoding)) weights[size_t(pc)] += 1;
    const music::Key key = music::estimate_key(weights);
    // C major's tonic is 0, A minor's 9: the shift from the tonic, folded into -5..+6.
    int shift = ((key.minor ? 9 : 0) - key.tonic + 12) % 12;
    if (shift > 6) shift -= 12;
    return shift;
}

namespace {

// A song's tokens moved by `shift`, its ids in `vocabulary` (extended as
// needed); false when a token cannot move.
bool moved_ids(const std::vector<std::string>& tokens, music::TokenEncoding encoding, int shift,
               music::Vocabulary& vocabulary, std::vector<int>& ids) {
    std::vector<std::string> moved;
    if (!music::transpose_tokens(tokens, encoding, shift, moved)) return false;
    ids.clear();
    for (const auto& t : moved) ids.push_back(vocabulary.extend(t));
    return true;
}

}  // namespace

RunSongs make_run_songs(const Corpus& corpus, const Settings& s) {
    RunSongs r;
    r.vocabulary = corpus.vocabulary;
    r.split = song_split(corpus.songs.size(), s.val_fraction, s.split_seed);
    const music::TokenEncoding enc = token_encoding(corpus.encoding);
    auto tokens_of = [&](size_t song) { return corpus.vocabulary.decode(corpus.songs[song].ids); };
    auto shift_of = [&](const std::vector<std::string>& tokens) {
        return s.key_normalize ? normalising_shift(tokens, enc) : 0;
    };
    for (size_t song : r.split.train) {
        const auto tokens = tokens_of(song);
        const int base = shift_of(tokens);
        std::vector<int> ids;
        if (!moved_ids(tokens, enc, base, r.vocabulary, ids)) ids = corpus.songs[song].ids;  // cannot move: as it is
        r.train.push_back(ids);
        for (int k = -s.transpose; k <= s.transpose; ++k) {
            if (k == 0) continue;
            if (moved_ids(tokens, enc, base + k, r.vocabulary, ids)) {
                r.train.push_back(ids);
                ++r.augmented_copies;
            }
        }
    }
    auto held_out = [&](const std::vector<size_t>& songs, std::vector<std::vector<int>>& out,
                        std::vector<int>& shifts) {
        for (size_t song : songs) {
            const auto tokens = tokens_of(song);
            int shift = shift_of(tokens);
            std::vector<int> ids;
            if (!moved_ids(tokens, enc, shift, r.vocabulary, ids)) {
                ids = corpus.songs[song].ids;
                shift = 0;
            }
            out.push_back(ids);
            shifts.push_back(shift);
        }
    };
    held_out(r.split.validation, r.validation, r.validation_shift);
    held_out(r.split.test, r.test, r.test_shift);
    return r;
}

}  // namespace cadenza::app
