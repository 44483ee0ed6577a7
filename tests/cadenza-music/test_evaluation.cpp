// `cadenza-music evaluate`'s parts: the baselines on a corpus small enough to
// score by hand, the song split's halves, and transposition of tokens.
#include <catch2/catch.hpp>

#include <cmath>

#include "cadenza/music/dataset.hpp"
#include "cadenza/music/key.hpp"
#include "cadenza/music/transpose.hpp"
#include "evaluation.hpp"
#include "ngram.hpp"
#include "run_songs.hpp"

using namespace cadenza;
using namespace cadenza::app;

TEST_CASE("The baselines score a tiny corpus exactly as computed by hand", "[evaluate]") {
    // Tokens a = 0, b = 1, c = 2. Training songs "a b a b c" and "a b c",
    // scored on "a b c" from its second token.
    const std::vector<std::vector<int>> train = {{0, 1, 0, 1, 2}, {0, 1, 2}}, test = {{0, 1, 2}};
    const auto s = baseline_scores(train, test, 3, 1, 2);
    REQUIRE(s.size() == 3);
    // Most frequent: a and b are both seen 3 times; the lower id, a, wins. It
    // never matches the targets b, c; top-5 of 3 tokens always does.
    CHECK(std::isnan(s[0].nll));
    CHECK(s[0].top1 == 0.0);
    CHECK(s[0].top5 == 1.0);
    // Unigram, add-one: (3+1)/11, (3+1)/11, (2+1)/11. Targets b (tied with a,
    // which ranks first) and c.
    CHECK(s[1].nll == Approx(-(std::log(4.0 / 11) + std::log(3.0 / 11)) / 2).epsilon(1e-12));
    CHECK(s[1].top1 == 0.0);
    // Interpolated Kneser-Ney, order 2, songs padded with one start symbol:
    //   bigram counts (<s> a) 2, (a b) 3, (b a) 1, (b c) 2: n1 = 1, n2 = 2, D2 = 1/5;
    //   continuation counts a 2, b 1, c 1 (of 4): n1 = 2, n2 = 1, D1 = 1/2;
    //   P1 = (cc - 1/2)/4 + (1/2)(3/4)(1/3) = 1/2, 1/4, 1/4.
    //   P(b | a) = (3 - 0.2)/3 + (0.2 * 1/3) P1(b) = 0.95
    //   P(c | b) = (2 - 0.2)/3 + (0.2 * 2/3) P1(c) = 19/30
    CHECK(s[2].nll == Approx(-(std::log(0.95) + std::log(19.0 / 30)) / 2).epsilon(1e-12));
    CHECK(s[2].top1 == 1.0);
}

TEST_CASE("Kneser-Ney distributions sum to one at every order and history", "[evaluate]") {
    const std::vector<std::vector<int>> train = {{0, 1, 2, 3, 1, 2, 0, 0, 1}, {3, 3, 2, 1, 0}, {1, 2, 3}};
    for (int order = 1; order <= 4; ++order) {
        KneserNey kn(order, 5);  // token 4 never seen: it still gets a probability
        kn.fit(train);
        const std::vector<int> history = {0, 1, 2, 3, 4, 2, 1};
        for (int n = 0; n <= int(history.size()); ++n) {
            double p[5], sum = 0;
            kn.distribution(history.data(), n, p);
            for (double x : p) {
                CHECK(x > 0);
                sum += x;
            }
            CHECK(sum == Approx(1.0).epsilon(1e-12));
        }
    }
}

TEST_CASE("The song split's halves: fixed by the seed, apart, and the held-out songs of split_songs", "[evaluate]") {
    for (size_t songs : {1, 2, 7, 74, 92})
        for (uint64_t seed : {1, 2, 99}) {
            const SongSplit a = song_split(songs, 0.2, seed), b = song_split(songs, 0.2, seed);
            CHECK(a.train == b.train);
            CHECK(a.validation == b.validation);
            CHECK(a.test == b.test);
            std::vector<int> seen(songs, 0);
            for (const auto* part : {&a.train, &a.validation, &a.test})
                for (size_t s : *part) ++seen[s];
            for (int n : seen) CHECK(n == 1);  // every song in exactly one part
            const size_t held = size_t(std::llround(0.2 * double(songs)));
            CHECK(a.validation.size() + a.test.size() == held);
            CHECK(a.validation.size() == (held + 1) / 2);
            // The same songs music::SequenceDataset::split_songs holds out.
            std::vector<std::vector<int>> ids(songs, std::vector<int>(3, 0));
            music::SequenceDataset data(ids, 1);
            std::vector<bool> held_out(songs, false);
            for (const auto& w : data.split_songs(0.2, seed).validation) held_out[w.song] = true;
            for (size_t s : a.validation) CHECK(held_out[s]);
            for (size_t s : a.test) CHECK(held_out[s]);
            for (size_t s : a.train) CHECK(!held_out[s]);
        }
}

TEST_CASE("Transposed tokens are valid tokens and transposing back restores them", "[evaluate][transpose]") {
    using music::TokenEncoding;
    std::string out, back;
    CHECK((music::transpose_paper_token("E-4", 2, out) && out == "F4"));
    CHECK((music::transpose_paper_token("B3", 1, out) && out == "C4"));
    CHECK((music::transpose_paper_token("4.9", 2, out) && out == "6.11"));
    CHECK((music::transpose_paper_token("rest_1/3", 5, out) && out == "rest_1/3"));
    CHECK((music::transpose_rich_token("C4.E4:1/2", -1, out) && out == "B3.E-4:1/2"));
    CHECK((music::transpose_rich_token("R:1", 3, out) && out == "R:1"));
    CHECK(!music::transpose_paper_token("G9", 1, out));  // MIDI 127 is G9: one up leaves the range
    // Every chord of up to four pitch classes, every shift: a valid normal
    // order (the tokenizer's own spelling of the moved set), and back again.
    for (int mask = 1; mask < 4096; ++mask) {
        std::vector<int> pcs;
        for (int pc = 0; pc < 12; ++pc)
            if (mask & (1 << pc)) pcs.push_back(pc);
        if (pcs.size() > 4) continue;
        const std::string chord = music::chord_token(pcs);
        for (int k = -6; k <= 6; ++k) {
            REQUIRE(music::transpose_paper_token(chord, k, out));
            std::vector<int> moved;
            for (int pc : pcs) moved.push_back(pc + k + 12);
            CHECK(out == music::chord_token(moved));
            REQUIRE(music::transpose_paper_token(out, -k, back));
            CHECK(back == chord);
        }
    }
    CHECK(!music::transpose_paper_token("C0", -1, out));  // below C0 names read back as flats
    for (int key = 18; key <= 117; ++key)
        for (int k = -6; k <= 6; ++k) {
            const std::string note = music::pitch_name(key);
            REQUIRE(music::transpose_token(note, TokenEncoding::paper, k, out));
            CHECK(music::parse_pitch_name(out) == key + k);
            REQUIRE(music::transpose_token(out, TokenEncoding::paper, -k, back));
            CHECK(back == note);
            const std::string rich = note + "." + music::pitch_name(key + 4) + ":3/2";
            if (!music::is_rich_token(rich)) continue;
            REQUIRE(music::transpose_token(rich, TokenEncoding::rich, k, out));
            CHECK(music::is_rich_token(out));
            REQUIRE(music::transpose_token(out, TokenEncoding::rich, -k, back));
            CHECK(back == rich);
        }
}

TEST_CASE("Key estimation finds the keys of scales and spells in them", "[evaluate][key]") {
    auto scale_key = [](int tonic, bool minor) {
        const int steps_major[7] = {0, 2, 4, 5, 7, 9, 11}, steps_minor[7] = {0, 2, 3, 5, 7, 8, 10};
        std::array<double, 12> w{};
        for (int i = 0; i < 7; ++i) w[size_t((tonic + (minor ? steps_minor : steps_major)[i]) % 12)] += 1;
        w[size_t(tonic)] += 2;                 // the tonic
        w[size_t((tonic + 7) % 12)] += 1;      // and the dominant, weighted as music weights them
        return music::estimate_key(w);
    };
    for (int tonic = 0; tonic < 12; ++tonic) {
        const music::Key major = scale_key(tonic, false);
        CHECK(major.tonic == tonic);
        CHECK(!major.minor);
        CHECK(major.fifths == music::key_fifths(tonic, false));
    }
    CHECK(music::key_fifths(7, false) == 1);   // G major: one sharp
    CHECK(music::key_fifths(5, false) == -1);  // F major: one flat
    CHECK(music::key_fifths(2, true) == -1);   // D minor: one flat
    CHECK(music::key_fifths(4, true) == 1);    // E minor: one sharp
    music::Key d_minor;
    d_minor.tonic = 2;
    d_minor.minor = true;
    d_minor.fifths = -1;
    CHECK(music::spell(70, d_minor).step == 'B');  // B-flat
    CHECK(music::spell(70, d_minor).alter == -1);
    CHECK(music::spell(61, d_minor).step == 'C');  // the leading tone C#
    CHECK(music::spell(61, d_minor).alter == 1);
    CHECK(music::spell(60, d_minor).octave == 4);
    CHECK(music::key_name(d_minor) == "D minor");
}
