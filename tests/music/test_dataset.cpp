// Tests for dataset.hpp: windows never cross songs, inputs are views of the
// songs, splits are deterministic for a seed and partition the windows.
#include <catch2/catch.hpp>

#include <cadenza/music/dataset.hpp>

#include <algorithm>
#include <numeric>
#include <set>

using namespace cadenza::music;

namespace {
std::vector<std::vector<int>> songs_of_lengths(std::vector<int> lengths) {
    std::vector<std::vector<int>> songs;
    int next = 0;
    for (int n : lengths) {
        std::vector<int> s(static_cast<size_t>(n));
        std::iota(s.begin(), s.end(), next);
        next += 1000;
        songs.push_back(s);
    }
    return songs;
}
}  // namespace

TEST_CASE("windows stay inside their song", "[dataset]") {
    SequenceDataset data(songs_of_lengths({5, 3, 7, 2}), 3);
    // song lengths 5, 3, 7, 2 give 2, 0, 4, 0 windows of 3 inputs
    CHECK(data.size() == 6);
    for (const auto& w : data.windows()) {
        auto [first, last] = data.inputs(w);
        CHECK(last - first == 3);
        CHECK(*first / 1000 == data.target(w) / 1000);  // same song
        CHECK(data.target(w) == *(last - 1) + 1);       // the next token
    }
    CHECK(data.window(0) == Window{0, 0});
    CHECK(data.window(2) == Window{2, 0});
    CHECK(data.target(data.window(5)) == 2006);
    CHECK_THROWS_AS(SequenceDataset({{1, 2}}, 0), cadenza::Error);
}

TEST_CASE("default window is the paper's 100", "[dataset]") {
    SequenceDataset data(songs_of_lengths({150}));
    CHECK(data.length() == 100);
    CHECK(data.size() == 50);
}

TEST_CASE("splits are seeded, deterministic and partition the windows", "[dataset]") {
    SequenceDataset data(songs_of_lengths({40, 30, 50, 20, 60, 25}), 10);
    const auto a = data.split_songs(0.34, 7), b = data.split_songs(0.34, 7);
    CHECK(a.train == b.train);
    CHECK(a.validation == b.validation);
    CHECK(a.train.size() + a.validation.size() == data.size());
    std::set<uint32_t> train_songs, valid_songs;
    for (const auto& w : a.train) train_songs.insert(w.song);
    for (const auto& w : a.validation) valid_songs.insert(w.song);
    CHECK(valid_songs.size() == 2);
    for (auto s : valid_songs) CHECK(train_songs.count(s) == 0);

    const auto c = data.split_shuffled_windows(0.2, 42), d = data.split_shuffled_windows(0.2, 42);
    CHECK(c.train == d.train);
    CHECK(c.validation == d.validation);
    CHECK(c.validation.size() == data.size() - size_t(double(data.size()) * 0.8));
    CHECK(data.split_shuffled_windows(0.2, 43).validation != c.validation);

    const auto k = data.split_keras_tail(0.25);
    CHECK(k.train.size() == size_t(double(data.size()) * 0.75));
    CHECK(k.validation.back() == data.windows().back());
    CHECK_THROWS_AS(data.split_songs(1.5, 1), cadenza::Error);
}

TEST_CASE("SplitMix64 is the reference generator", "[dataset]") {
    SplitMix64 rng(1234567);
    // first outputs of the reference C implementation for seed 1234567
    CHECK(rng.next() == 6457827717110365317ull);
    CHECK(rng.next() == 3203168211198807973ull);
    SplitMix64 r(5);
    for (int i = 0; i < 1000; ++i) CHECK(r.below(7) < 7);
}

TEST_CASE("the song split is pinned: seed 1 over 74 songs holds out the same 15 songs",
          "[dataset]") {
    // The FF data's default corpus has 74 songs (docs/results.md); these are
    // the songs its seed-1 split held out when those results were measured
    // (tests/dataset/ checks their names on the data itself). A change to
    // SplitMix64 or the shuffle would move them, and every reported held-out
    // number with them.
    SequenceDataset data(songs_of_lengths(std::vector<int>(74, 101)), 100);
    std::set<uint32_t> held_out;
    for (const auto& w : data.split_songs(0.2, 1).validation) held_out.insert(w.song);
    CHECK(held_out == std::set<uint32_t>{0, 5, 15, 16, 20, 25, 26, 27, 30, 33, 34, 40, 61, 62, 66});
}
