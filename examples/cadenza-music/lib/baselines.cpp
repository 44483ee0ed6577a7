// examples/cadenza-music/lib/baselines.cpp: see baselines.hpp.
#include "baselines.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "cadenza/music/dataset.hpp"
#include "corpus.hpp"

namespace cadenza::app {

int run_baselines(const std::string& corpus_path, const Settings& s) {
    Corpus corpus = load_corpus(corpus_path);
    const int V = int(corpus.vocabulary.size());
    std::vector<std::vector<int>> songs;
    for (auto& song : corpus.songs) songs.push_back(song.ids);
    music::SequenceDataset data(songs, size_t(s.seq_len));
    auto split = s.split == SplitKind::songs ? data.split_songs(s.val_fraction, s.seed)
                                             : data.split_shuffled_windows(s.val_fraction, s.seed);
    CADENZA_CHECK(!split.validation.empty(), corpus_path,
                  ": the split leaves no validation window (", split.train.size(),
                  " training windows); use a larger --val-fraction or a shorter --seq-len");
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
    std::printf("validation windows: %.0f (split by %s, fraction %.2f, seed %llu), vocabulary %d\n",
                n, split_name(s.split), s.val_fraction, (unsigned long long)s.seed, V);
    std::printf("%-28s accuracy %.4f\n",
                ("most frequent (" + corpus.vocabulary.decode(most) + ")").c_str(), hit_most / n);
    std::printf("%-28s accuracy %.4f  loss %.4f\n", "unigram (add-one)", hit_most / n,
                loss_uni / n);
    std::printf("%-28s accuracy %.4f  loss %.4f\n", "bigram (add-one)", hit_bi / n, loss_bi / n);
    return 0;
}

}  // namespace cadenza::app
