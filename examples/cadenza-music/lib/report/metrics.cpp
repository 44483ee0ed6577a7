// examples/cadenza-music/lib/report/metrics.cpp: see metrics.hpp.
#include "metrics.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace cadenza::app {

int note_length_class(double quarters) {
    const double q = std::max(quarters, 1.0 / 16);
    int best = 0;
    double best_d = INFINITY;
    for (int i = 0; i < 12; ++i) {
        const double d = std::fabs(std::log(q / kNoteLengthQuarters[size_t(i)]));
        if (d < best_d - 1e-12) best = i, best_d = d;
    }
    return best;
}

PieceFeatures piece_features(std::vector<midi::Note> notes, int ticks_per_quarter) {
    PieceFeatures f;
    f.notes = int(notes.size());
    if (notes.empty()) return f;
    std::sort(notes.begin(), notes.end(), [](const midi::Note& a, const midi::Note& b) {
        return a.start_tick != b.start_tick ? a.start_tick < b.start_tick : a.pitch < b.pitch;
    });
    std::array<bool, 128> used{};
    int lo = 127, hi = 0;
    for (const auto& n : notes) {
        used[size_t(std::clamp(n.pitch, 0, 127))] = true;
        lo = std::min(lo, n.pitch);
        hi = std::max(hi, n.pitch);
        f.pitch_class_hist[size_t(((n.pitch % 12) + 12) % 12)] += 1;
        f.note_length_hist[size_t(
            note_length_class(double(n.end_tick - n.start_tick) / ticks_per_quarter))] += 1;
    }
    for (auto& v : f.pitch_class_hist) v /= double(notes.size());
    for (auto& v : f.note_length_hist) v /= double(notes.size());
    f.pitch_count = double(std::count(used.begin(), used.end(), true));
    f.pitch_range = double(hi - lo);
    if (notes.size() > 1) {
        double sum = 0;
        for (size_t i = 1; i < notes.size(); ++i)
            sum += std::abs(notes[i].pitch - notes[i - 1].pitch);
        f.pitch_interval = sum / double(notes.size() - 1);
    }
    // Distinct onsets: a chord is one onset.
    std::vector<int64_t> onsets;
    for (const auto& n : notes)
        if (onsets.empty() || onsets.back() != n.start_tick) onsets.push_back(n.start_tick);
    if (onsets.size() > 1)
        f.inter_onset =
            double(onsets.back() - onsets.front()) / double(onsets.size() - 1) / ticks_per_quarter;
    return f;
}

namespace {

// Gaussian kernel density of `values` at x, bandwidth h.
double kernel_density(const std::vector<double>& values, double h, double x) {
    const double c = 1.0 / (std::sqrt(2 * 3.14159265358979323846) * h * double(values.size()));
    double sum = 0;
    for (double v : values) sum += std::exp(-0.5 * ((x - v) / h) * ((x - v) / h));
    return c * sum;
}

double silverman_bandwidth(const std::vector<double>& v) {
    double mean = 0, var = 0;
    for (double x : v) mean += x;
    mean /= double(v.size());
    for (double x : v) var += (x - mean) * (x - mean);
    const double sigma = v.size() > 1 ? std::sqrt(var / double(v.size() - 1)) : 0.0;
    const double h = 1.06 * sigma * std::pow(double(v.size()), -0.2);
    return std::max(h, std::max(kMinBandwidth, 0.05 * std::fabs(mean)));
}

}  // namespace

Agreement compare_scalar(const std::string& name, const std::vector<double>& training,
                         const std::vector<double>& generated) {
    Agreement a;
    a.feature = name;
    if (training.empty() || generated.empty()) return a;
    for (double v : training) a.training_mean += v / double(training.size());
    for (double v : generated) a.generated_mean += v / double(generated.size());
    const double hp = silverman_bandwidth(training), hq = silverman_bandwidth(generated);
    double lo = INFINITY, hi = -INFINITY;
    for (double v : training) lo = std::min(lo, v - 6 * hp), hi = std::max(hi, v + 6 * hp);
    for (double v : generated) lo = std::min(lo, v - 6 * hq), hi = std::max(hi, v + 6 * hq);
    const int n = 512;
    const double dx = (hi - lo) / (n - 1);
    double oa = 0, kl = 0;
    for (int i = 0; i < n; ++i) {
        const double x = lo + dx * i;
        const double p = kernel_density(training, hp, x), q = kernel_density(generated, hq, x);
        const double w = (i == 0 || i == n - 1) ? 0.5 : 1.0;  // trapezoid rule
        oa += w * std::min(p, q) * dx;
        if (p > 0) kl += w * p * std::log(p / std::max(q, 1e-12)) * dx;
    }
    a.overlapped_area = std::clamp(oa, 0.0, 1.0);
    a.kl_divergence = std::max(0.0, kl);
    return a;
}

Agreement compare_histograms(const std::string& name, std::vector<double> p,
                             std::vector<double> q) {
    Agreement a;
    a.feature = name;
    double sp = 0, sq = 0;
    for (double v : p) sp += v;
    for (double v : q) sq += v;
    if (sp <= 0 || sq <= 0 || p.size() != q.size()) return a;
    for (auto& v : p) v /= sp;
    for (auto& v : q) v /= sq;
    a.training_mean = double(std::max_element(p.begin(), p.end()) - p.begin());
    a.generated_mean = double(std::max_element(q.begin(), q.end()) - q.begin());
    for (size_t i = 0; i < p.size(); ++i) {
        a.overlapped_area += std::min(p[i], q[i]);
        if (p[i] > 0) a.kl_divergence += p[i] * std::log(p[i] / std::max(q[i], 1e-6));
    }
    a.kl_divergence = std::max(0.0, a.kl_divergence);
    return a;
}

std::vector<Agreement> compare_sets(const std::vector<PieceFeatures>& training,
                                    const std::vector<PieceFeatures>& generated) {
    auto scalar = [](const std::vector<PieceFeatures>& set, double PieceFeatures::*field) {
        std::vector<double> v;
        for (const auto& f : set)
            if (f.notes > 0) v.push_back(f.*field);
        return v;
    };
    auto pooled = [](const std::vector<PieceFeatures>& set,
                     std::array<double, 12> PieceFeatures::*field) {
        std::vector<double> h(12, 0.0);
        for (const auto& f : set)
            for (size_t i = 0; i < 12; ++i) h[i] += (f.*field)[i] * f.notes;
        return h;
    };
    return {
        compare_scalar("pitch count", scalar(training, &PieceFeatures::pitch_count),
                       scalar(generated, &PieceFeatures::pitch_count)),
        compare_histograms("pitch-class histogram",
                           pooled(training, &PieceFeatures::pitch_class_hist),
                           pooled(generated, &PieceFeatures::pitch_class_hist)),
        compare_scalar("pitch range", scalar(training, &PieceFeatures::pitch_range),
                       scalar(generated, &PieceFeatures::pitch_range)),
        compare_scalar("average pitch interval", scalar(training, &PieceFeatures::pitch_interval),
                       scalar(generated, &PieceFeatures::pitch_interval)),
        compare_scalar("inter-onset interval", scalar(training, &PieceFeatures::inter_onset),
                       scalar(generated, &PieceFeatures::inter_onset)),
        compare_histograms("note-length histogram",
                           pooled(training, &PieceFeatures::note_length_hist),
                           pooled(generated, &PieceFeatures::note_length_hist)),
    };
}

CopiedPassage longest_copied_passage(const std::vector<int>& piece,
                                     const std::vector<std::vector<int>>& training_songs) {
    struct State {
        size_t len = 0;
        long link = -1;
        size_t first_end =
            0;  // end position (inclusive) of the state's first occurrence in the piece
        std::map<int, long> next;
    };
    std::vector<State> st(1);
    st.reserve(2 * piece.size() + 2);
    long last = 0;
    for (size_t i = 0; i < piece.size(); ++i) {
        const int c = piece[i];
        const long cur = long(st.size());
        st.push_back(State{st[size_t(last)].len + 1, -1, i, {}});
        long p = last;
        while (p != -1 && !st[size_t(p)].next.count(c)) {
            st[size_t(p)].next[c] = cur;
            p = st[size_t(p)].link;
        }
        if (p == -1) {
            st[size_t(cur)].link = 0;
        } else {
            const long q = st[size_t(p)].next[c];
            if (st[size_t(p)].len + 1 == st[size_t(q)].len) {
                st[size_t(cur)].link = q;
            } else {
                const long clone = long(st.size());
                State copy = st[size_t(q)];
                copy.len = st[size_t(p)].len + 1;
                st.push_back(copy);
                while (p != -1 && st[size_t(p)].next[c] == q) {
                    st[size_t(p)].next[c] = clone;
                    p = st[size_t(p)].link;
                }
                st[size_t(q)].link = clone;
                st[size_t(cur)].link = clone;
            }
        }
        last = cur;
    }
    CopiedPassage best;
    for (size_t s = 0; s < training_songs.size(); ++s) {
        long v = 0;
        size_t len = 0;
        const auto& song = training_songs[s];
        for (size_t j = 0; j < song.size(); ++j) {
            const int c = song[j];
            while (v != 0 && !st[size_t(v)].next.count(c)) {
                v = st[size_t(v)].link;
                len = st[size_t(v)].len;
            }
            auto it = st[size_t(v)].next.find(c);
            if (it != st[size_t(v)].next.end()) {
                v = it->second;
                ++len;
            } else {
                v = 0;
                len = 0;
            }
            if (len > best.length) {
                best.length = len;
                best.piece_offset = st[size_t(v)].first_end + 1 - len;
                best.song = s;
                best.song_offset = j + 1 - len;
            }
        }
    }
    return best;
}

RepeatedRun longest_repeated_run(const std::vector<int>& tokens) {
    RepeatedRun best;
    for (size_t i = 0; i < tokens.size();) {
        size_t j = i;
        while (j < tokens.size() && tokens[j] == tokens[i]) ++j;
        if (j - i > best.length) best = {j - i, tokens[i], i};
        i = j;
    }
    return best;
}

}  // namespace cadenza::app
