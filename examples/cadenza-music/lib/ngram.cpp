// examples/cadenza-music/lib/ngram.cpp: see ngram.hpp.
//
// Every song is read with order-1 start symbols (id V) before it, so each
// position has a full history and the first tokens of a song are predicted
// from "the song's start" rather than from nothing.
#include "ngram.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "cadenza/error.hpp"

namespace cadenza::app {

namespace {

// Up to four ids of at most 16 bits, oldest in the highest bits.
uint64_t pack(const int* ids, int n) {
    uint64_t k = 0;
    for (int i = 0; i < n; ++i) k = (k << 16) | uint64_t(ids[i] + 1);
    return k;
}

}  // namespace

KneserNey::KneserNey(int order, int V) : order_(order), V_(V) {
    CADENZA_CHECK(order >= 1 && order <= 4, "n-gram order ", order, " is outside 1..4");
    CADENZA_CHECK(V >= 1 && V < 65534, "n-gram vocabulary of ", V, " tokens is outside 1..65533");
    contexts_.resize(size_t(order) + 1);
    discount_.assign(size_t(order) + 1, 0.0);
}

uint64_t KneserNey::key(int k, const int* history) const { return pack(history, k - 1); }

void KneserNey::fit(const std::vector<std::vector<int>>& songs) {
    const int n = order_, bos = V_;
    // Counts per order: counts[k][(h, w)] with h of k-1 ids; raw at the top,
    // continuation (distinct left neighbours) below.
    std::vector<std::map<std::pair<uint64_t, int>, double>> counts(size_t(n) + 1);
    std::vector<std::set<uint64_t>> seen(size_t(n) + 1);  // distinct k-grams, for the continuation counts
    for (const auto& song : songs) {
        std::vector<int> padded(size_t(n - 1), bos);
        padded.insert(padded.end(), song.begin(), song.end());
        for (size_t j = size_t(n - 1); j < padded.size(); ++j) {
            CADENZA_CHECK(padded[j] >= 0 && padded[j] < V_, "n-gram training token ", padded[j], " is outside 0..",
                          V_ - 1);
            counts[size_t(n)][{pack(&padded[j - size_t(n - 1)], n - 1), padded[j]}] += 1;
            // Every k-gram ending here (k >= 2) is a left extension of its (k-1)-gram suffix.
            for (int k = 2; k <= n; ++k) seen[size_t(k)].insert(pack(&padded[j - size_t(k - 1)], k));
        }
    }
    for (int k = 1; k < n; ++k)
        for (uint64_t gram : seen[size_t(k + 1)]) {
            // gram = (u, h, w) with h of k-1 ids: drop u (the top 16 bits of k+1 ids).
            const uint64_t suffix = gram & ((uint64_t(1) << (16 * k)) - 1);
            const int w = int(suffix & 0xffff) - 1;
            counts[size_t(k)][{suffix >> 16, w}] += 1;
        }
    for (int k = 1; k <= n; ++k) {
        double n1 = 0, n2 = 0;
        auto& ctx = contexts_[size_t(k)];
        ctx.clear();
        for (const auto& [hw, c] : counts[size_t(k)]) {
            n1 += c == 1;
            n2 += c == 2;
            Context& x = ctx[hw.first];
            x.total += c;
            x.distinct += 1;
            x.next.emplace_back(hw.second, c);
        }
        // Chen & Goodman's estimate, kept inside [0.05, 0.95] so that a
        // context always leaves some mass to the order below (n1 = 0 would
        // give D = 0 and tokens unseen after it probability 0).
        discount_[size_t(k)] = std::min(0.95, std::max(0.05, n1 + n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5));
    }
    // The bottom: the continuation unigram, interpolated with the uniform.
    unigram_.assign(size_t(V_), 1.0 / V_);
    auto it = contexts_[1].find(0);
    if (it != contexts_[1].end()) {
        const Context& x = it->second;
        const double D = discount_[1], lambda = D * x.distinct / x.total;
        for (double& p : unigram_) p *= lambda;
        for (const auto& [w, c] : x.next) unigram_[size_t(w)] += std::max(c - D, 0.0) / x.total;
    }
}

void KneserNey::distribution(const int* history, int n, double* p) const {
    std::copy(unigram_.begin(), unigram_.end(), p);
    // The history as the model saw it: start symbols before a short one.
    std::vector<int> h(size_t(std::max(0, order_ - 1)), V_);
    for (int i = 0; i < std::min(n, order_ - 1); ++i) h[h.size() - 1 - size_t(i)] = history[n - 1 - i];
    for (int k = 2; k <= order_; ++k) {
        auto it = contexts_[size_t(k)].find(key(k, h.data() + h.size() - size_t(k - 1)));
        if (it == contexts_[size_t(k)].end()) continue;
        const Context& x = it->second;
        const double D = discount_[size_t(k)], lambda = D * x.distinct / x.total;
        for (int w = 0; w < V_; ++w) p[w] *= lambda;
        for (const auto& [w, c] : x.next) p[w] += std::max(c - D, 0.0) / x.total;
    }
}

}  // namespace cadenza::app
