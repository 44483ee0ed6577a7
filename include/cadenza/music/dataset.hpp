// cadenza/music/dataset.hpp: training windows over token-id streams, one
// stream per song: each window of N ids (default 100, the paper's length)
// predicts the id that follows it. Windows never cross songs. A window is a
// (song, offset) pair, so memory stays O(number of tokens).
//
//   SequenceDataset data(std::move(songs_of_ids), 100);
//   Window w = data.window(i);                  // inputs: data.inputs(w), target: data.target(w)
//   auto [train, valid] = data.split_songs(0.2, seed);          // whole songs apart
//   auto [train, valid] = data.split_shuffled_windows(0.2, seed); // the paper's way
//
// The paper's Keras code builds all windows in song order, then
// model.fit(..., validation_split=v, shuffle=True): Keras takes the LAST v of
// the arrays, before any shuffling, as validation and shuffles only the
// training part per epoch. split_keras_tail does exactly that (windows of the
// last songs validate; neighbours overlap the training set only at the one
// song that straddles the cut). split_shuffled_windows shuffles all windows
// with the seed first and then takes the last fraction, the variant many
// reimplementations use, where validation windows overlap training windows of
// the same song. split_songs keeps songs whole (no overlap at all).
// Shuffles use SplitMix64 and a Fisher-Yates walk of our own, so results are
// the same on every platform and compiler.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "cadenza/error.hpp"

namespace cadenza::music {

// SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, portable.
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, bound) by rejection (no modulo bias).
    uint64_t below(uint64_t bound) {
        if (bound == 0) throw Error("SplitMix64::below(0)");
        const uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % bound);
        uint64_t x;
        do x = next();
        while (x >= limit);
        return x % bound;
    }

private:
    uint64_t state_;
};

template <class T>
void shuffle_in_place(std::vector<T>& items, uint64_t seed) {
    SplitMix64 rng(seed);
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[size_t(rng.below(i))]);
}

struct Window {
    uint32_t song = 0;
    uint32_t offset = 0;  // first input position in the song
    bool operator==(const Window& o) const { return song == o.song && offset == o.offset; }
};

class SequenceDataset {
public:
    SequenceDataset(std::vector<std::vector<int>> songs, size_t length = 100)
        : songs_(std::move(songs)), length_(length) {
        if (length_ == 0) throw Error("SequenceDataset: window length must be positive");
        for (uint32_t s = 0; s < songs_.size(); ++s)
            if (songs_[s].size() > length_)
                for (uint32_t o = 0; o + length_ < songs_[s].size(); ++o)
                    windows_.push_back({s, o});
    }

    size_t size() const { return windows_.size(); }
    size_t length() const { return length_; }
    size_t song_count() const { return songs_.size(); }
    const std::vector<std::vector<int>>& songs() const { return songs_; }
    const std::vector<Window>& windows() const { return windows_; }
    const Window& window(size_t i) const { return windows_.at(i); }

    // The N input ids of a window (a view into the song, no copy).
    std::pair<const int*, const int*> inputs(const Window& w) const {
        const auto& song = songs_.at(w.song);
        return {song.data() + w.offset, song.data() + w.offset + length_};
    }
    int target(const Window& w) const { return songs_.at(w.song).at(w.offset + length_); }

    struct Split {
        std::vector<Window> train, validation;
    };

    // Whole songs to validation: a seeded shuffle of song indices, the last
    // round(fraction * songs) of them validate.
    Split split_songs(double validation_fraction, uint64_t seed) const {
        check(validation_fraction);
        std::vector<uint32_t> order(songs_.size());
        for (uint32_t s = 0; s < order.size(); ++s) order[s] = s;
        shuffle_in_place(order, seed);
        const size_t n_valid = size_t(std::llround(validation_fraction * double(order.size())));
        std::vector<bool> valid(songs_.size(), false);
        for (size_t k = order.size() - n_valid; k < order.size(); ++k) valid[order[k]] = true;
        Split out;
        for (const auto& w : windows_) (valid[w.song] ? out.validation : out.train).push_back(w);
        return out;
    }

    // Keras validation_split: the last fraction of the windows in song order.
    // Keras computes the cut as int(n * (1 - fraction)).
    Split split_keras_tail(double validation_fraction) const {
        check(validation_fraction);
        const size_t cut = size_t(double(windows_.size()) * (1.0 - validation_fraction));
        Split out;
        out.train.assign(windows_.begin(), windows_.begin() + long(cut));
        out.validation.assign(windows_.begin() + long(cut), windows_.end());
        return out;
    }

    // Seeded shuffle of all windows, then the Keras cut.
    Split split_shuffled_windows(double validation_fraction, uint64_t seed) const {
        check(validation_fraction);
        std::vector<Window> all = windows_;
        shuffle_in_place(all, seed);
        const size_t cut = size_t(double(all.size()) * (1.0 - validation_fraction));
        Split out;
        out.train.assign(all.begin(), all.begin() + long(cut));
        out.validation.assign(all.begin() + long(cut), all.end());
        return out;
    }

private:
    static void check(double f) {
        if (!(f >= 0.0 && f <= 1.0)) throw Error("validation fraction must be in [0, 1]");
    }

    std::vector<std::vector<int>> songs_;
    size_t length_;
    std::vector<Window> windows_;
};

}  // namespace cadenza::music
