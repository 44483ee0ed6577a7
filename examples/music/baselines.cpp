// examples/music/baselines.cpp: what simple predictors score on a run's validation windows.
//
//   cadenza-music-baselines CORPUS [--split songs|windows] [--val-fraction F] [--seq-len N] [--seed S]
//
// The same split as `cadenza-music train` with the same options (it calls the
// same make_run_data), then, for each validation window's target token:
//   most frequent: always the training set's most frequent target (accuracy only);
//   unigram:       p(token) from training target counts, add-one smoothed;
//   bigram:        p(token | the window's last token), add-one smoothed, argmax for accuracy.
// Prints accuracy and mean cross-entropy (nats), comparable with the model's.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "train.hpp"

using namespace cadenza;
using namespace cadenza::app;

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
        std::fprintf(stderr, "usage: cadenza-music-baselines CORPUS [--split songs|windows] [--val-fraction F] "
                             "[--seq-len N] [--seed S]\n");
        return argc < 2 ? 2 : 0;
    }
    Settings s;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--split") s.split = v;
        else if (k == "--val-fraction") s.val_fraction = std::stod(v);
        else if (k == "--seq-len") s.seq_len = std::stoi(v);
        else if (k == "--seed") s.seed = std::stoull(v);
        else {
            std::fprintf(stderr, "cadenza-music-baselines: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    try {
        Corpus corpus = load_corpus(argv[1]);
        const int V = int(corpus.vocabulary.size());
        std::vector<std::vector<int>> songs;
        for (auto& song : corpus.songs) songs.push_back(song.ids);
        music::SequenceDataset data(songs, size_t(s.seq_len));
        auto split = s.split == "songs" ? data.split_songs(s.val_fraction, s.seed)
                                        : data.split_shuffled_windows(s.val_fraction, s.seed);
        std::vector<double> uni(size_t(V), 1.0);
        std::vector<std::vector<double>> bi(size_t(V), std::vector<double>(size_t(V), 1.0));
        for (const auto& w : split.train) {
            int last = data.inputs(w).second[-1], next = data.target(w);
            uni[size_t(next)] += 1;
            bi[size_t(last)][size_t(next)] += 1;
        }
        double uni_total = 0;
        for (double c : uni) uni_total += c;
        int most = int(std::max_element(uni.begin(), uni.end()) - uni.begin());
        double n = 0, hit_most = 0, loss_uni = 0, hit_bi = 0, loss_bi = 0;
        for (const auto& w : split.validation) {
            int last = data.inputs(w).second[-1], next = data.target(w);
            const auto& row = bi[size_t(last)];
            double row_total = 0;
            for (double c : row) row_total += c;
            n += 1;
            hit_most += next == most;
            loss_uni -= std::log(uni[size_t(next)] / uni_total);
            hit_bi += int(std::max_element(row.begin(), row.end()) - row.begin()) == next;
            loss_bi -= std::log(row[size_t(next)] / row_total);
        }
        std::printf("validation windows: %.0f (split by %s, fraction %.2f, seed %llu), vocabulary %d\n", n,
                    s.split.c_str(), s.val_fraction, (unsigned long long)s.seed, V);
        std::printf("%-28s accuracy %.4f\n", ("most frequent (" + corpus.vocabulary.decode(most) + ")").c_str(),
                    hit_most / n);
        std::printf("%-28s accuracy %.4f  loss %.4f\n", "unigram (add-one)", hit_most / n, loss_uni / n);
        std::printf("%-28s accuracy %.4f  loss %.4f\n", "bigram (add-one)", hit_bi / n, loss_bi / n);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cadenza-music-baselines: %s\n", e.what());
        return 1;
    }
    return 0;
}
