// examples/cadenza-music/lib/ngram.hpp: the smoothed n-gram baseline of
// `cadenza-music evaluate`: interpolated Kneser-Ney over token ids.
//
// Chen & Goodman's interpolated Kneser-Ney ("An empirical study of smoothing
// techniques for language modeling", 1998) with one absolute discount per
// order, D_k = n1 / (n1 + 2 n2) (n1, n2: the k-grams seen once and twice),
// kept inside [0.05, 0.95]:
//
//   P_k(w | h) = max(c_k(h w) - D_k, 0) / c_k(h .)  +  D_k N1+(h .) / c_k(h .) * P_{k-1}(w | h')
//
// h' is h without its oldest token. c_k is the raw count at the highest order
// and the continuation count N1+(. h w) (how many distinct tokens precede
// h w) below it; a history never seen falls through to P_{k-1}. The bottom
// is the continuation unigram interpolated with the uniform 1/V, so no token
// has probability 0. Songs are counted apart (no n-gram crosses two songs), and
// a position near a song's start uses the history it has (fewer tokens).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace cadenza::app {

class KneserNey {
public:
    // order n >= 1 over V token ids (V < 65535).
    KneserNey(int order, int V);

    void fit(const std::vector<std::vector<int>>& songs);

    // p[V]: the distribution of the token after history[0..n) (oldest first;
    // only the last order-1 are used).
    void distribution(const int* history, int n, double* p) const;

    int order() const { return order_; }
    double discount(int k) const { return discount_[std::size_t(k)]; }

private:
    struct Context {
        double total = 0;   // c_k(h .)
        double distinct = 0;  // N1+(h .)
        std::vector<std::pair<int, double>> next;  // (w, c_k(h w))
    };
    uint64_t key(int k, const int* history) const;  // the k-1 tokens before w
    int order_, V_;
    std::vector<std::unordered_map<uint64_t, Context>> contexts_;  // per order k (1..order)
    std::vector<double> discount_;                                 // per order k
    std::vector<double> unigram_;                                  // P_1(w), interpolated with 1/V
};

}  // namespace cadenza::app
