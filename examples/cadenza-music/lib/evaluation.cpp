// examples/cadenza-music/lib/evaluation.cpp: see evaluation.hpp.
#include "evaluation.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "cadenza/kernels/softmax_cross_entropy.hpp"
#include "checkpoint.hpp"
#include "corpus.hpp"
#include "device.hpp"
#include "generation.hpp"
#include "ngram.hpp"
#include "run_songs.hpp"

namespace cadenza::app {

double Scores::perplexity() const { return std::exp(nll); }

namespace {

// Running sums of one predictor over the scored positions.
struct Tally {
    double nll = 0, top1 = 0, top5 = 0;
    int64_t n = 0;
    // p: the predictor's distribution over the V tokens (logits when `logits`).
    template <class P>
    void add(const P* p, int V, int target, bool logits) {
        top1 += kernels::target_in_top_k(V, p, target, 1);
        top5 += kernels::target_in_top_k(V, p, target, 5);
        if (logits) {
            double m = -std::numeric_limits<double>::infinity();
            for (int c = 0; c < V; ++c) m = std::max(m, double(p[c]));
            double s = 0;
            for (int c = 0; c < V; ++c) s += std::exp(double(p[c]) - m);
            nll += std::log(s) + m - double(p[target]);
        } else {
            nll -= std::log(double(p[target]));
        }
        ++n;
    }
    Scores scores(const std::string& name, bool has_nll) const {
        Scores s;
        s.name = name;
        s.nll = has_nll && n ? nll / double(n) : std::numeric_limits<double>::quiet_NaN();
        s.top1 = n ? top1 / double(n) : 0;
        s.top5 = n ? top5 / double(n) : 0;
        return s;
    }
};

// The model's logits for every scored position of `song` (positions from
// `first` on), in order, through `emit(target, logits)`.
template <class Emit>
void model_predictions(Sequential<float>& model, const Settings& s, int V, const std::vector<int>& song,
                       Emit emit) {
    Backend<float>& be = model.backend();
    const int T = s.seq_len;
    std::vector<float> logits;
    if (s.model == ModelKind::stream) {
        for (size_t i = 0; i < model.size(); ++i) model.layer(i).reset_state();  // each song from a reset state
        for (size_t start = 0; start + 1 < song.size(); start += size_t(T)) {
            const int n = int(std::min<size_t>(size_t(T), song.size() - 1 - start));
            Tensor<float> host({n, 1, 1});
            for (int t = 0; t < n; ++t) host[t] = float(song[start + size_t(t)]);
            Tensor<float> x = be.zeros({n, 1, 1});
            be.upload(host.data(), x.data(), n);
            const Tensor<float>& z = model.forward(x, Mode::infer);  // [n, 1, V], the state carried on
            logits.resize(size_t(n) * size_t(V));
            be.download(z.data(), logits.data(), int64_t(n) * V);
            for (int t = 0; t < n; ++t) emit(song[start + size_t(t) + 1], logits.data() + size_t(t) * size_t(V));
        }
        return;
    }
    // The paper's model: the window before each position from T on, batches of 128.
    const int first = T, total = int(song.size()) - first;
    for (int b0 = 0; b0 < total; b0 += 128) {
        const int B = std::min(128, total - b0);
        Tensor<float> host({T, B, 1});
        for (int b = 0; b < B; ++b)
            for (int t = 0; t < T; ++t) host[int64_t(t) * B + b] = float(song[size_t(b0 + b + t)]) / float(V);
        Tensor<float> x = be.zeros({T, B, 1});
        be.upload(host.data(), x.data(), int64_t(T) * B);
        const Tensor<float>& z = model.forward(x, Mode::infer);  // [B, V]
        logits.resize(size_t(B) * size_t(V));
        be.download(z.data(), logits.data(), int64_t(B) * V);
        for (int b = 0; b < B; ++b) emit(song[size_t(first + b0 + b)], logits.data() + size_t(b) * size_t(V));
    }
}

std::vector<std::vector<midi::Note>> notes_of(const std::vector<std::vector<int>>& songs,
                                              const music::Vocabulary& vocab, Encoding enc) {
    std::vector<std::vector<midi::Note>> out;
    for (const auto& song : songs) {
        int dropped = 0;
        try {
            out.push_back(tokens_to_notes(vocab.decode(song), enc, 0, dropped));
        } catch (const Error&) {
            // a song the decoder cannot play stays out of the comparison
        }
    }
    return out;
}

}  // namespace

std::vector<Scores> baseline_scores(const std::vector<std::vector<int>>& train,
                                    const std::vector<std::vector<int>>& songs, int V, int first, int kn_order) {
    std::vector<double> counts(size_t(V), 0.0);
    double total = 0;
    for (const auto& song : train)
        for (int id : song) {
            counts[size_t(id)] += 1;
            total += 1;
        }
    std::vector<double> unigram(static_cast<size_t>(V));
    for (int c = 0; c < V; ++c) unigram[size_t(c)] = (counts[size_t(c)] + 1) / (total + V);
    KneserNey kn(kn_order, V);
    kn.fit(train);
    Tally most, uni, ngram;
    std::vector<double> p(static_cast<size_t>(V));
    for (const auto& song : songs)
        for (size_t i = size_t(std::max(first, 1)); i < song.size(); ++i) {
            const int target = song[i];
            most.add(counts.data(), V, target, false);  // ranks by count; its loss is not reported
            uni.add(unigram.data(), V, target, false);
            kn.distribution(song.data(), int(i), p.data());
            ngram.add(p.data(), V, target, false);
        }
    const int most_id = int(std::max_element(counts.begin(), counts.end()) - counts.begin());
    (void)most_id;
    return {most.scores("most frequent", false), uni.scores("unigram (add-one)", true),
            ngram.scores("Kneser-Ney " + std::to_string(kn_order) + "-gram", true)};
}

EvaluationResult evaluate(const EvaluateRequest& req) {
    auto backend = make_backend(Device::cpu, req.threads);
    Checkpoint k = load_checkpoint(req.checkpoint, backend);
    const Corpus corpus = load_corpus(req.corpus);
    CADENZA_CHECK(corpus.vocabulary.is_prefix_of(k.vocabulary), req.corpus, ": its vocabulary (",
                  corpus.vocabulary.size(), " tokens) is not the one ", req.checkpoint, " was trained with (",
                  k.vocabulary.size(), " tokens)");
    CADENZA_CHECK(req.part == "validation" || req.part == "test" || req.part == "held-out",
                  "--part must be validation, test or held-out, not '", req.part, "'");
    EvaluationResult r;
    r.part = req.part;
    Settings s = k.settings;
    if (s.split == SplitKind::windows)
        r.split_note = "warning: the run was trained on the paper's window split, which trains on windows of "
                       "every song; these held-out songs are a song split's, and the model has seen parts of them";
    const Settings run = s;
    if (req.val_fraction >= 0) s.val_fraction = req.val_fraction;
    if (req.split_seed >= 0) s.split_seed = uint64_t(req.split_seed);
    if (s.val_fraction != run.val_fraction || s.split_seed != run.split_seed)
        r.split_note = "warning: this split (seed " + std::to_string(s.split_seed) + ", fraction " +
                       std::to_string(s.val_fraction) + ") is not the run's (seed " + std::to_string(run.split_seed) +
                       ", fraction " + std::to_string(run.val_fraction) +
                       "): some of these songs may have been training songs";
    s.split = SplitKind::songs;
    RunSongs rs = make_run_songs(corpus, s);
    // The songs in the model's ids (the run's vocabulary; equal to rs's for the run's own split).
    auto to_model = [&](std::vector<std::vector<int>> songs) {
        for (auto& song : songs)
            for (int& id : song) id = k.vocabulary.encode(rs.vocabulary.decode(id));
        return songs;
    };
    const auto train = to_model(rs.train), validation = to_model(rs.validation), test = to_model(rs.test);
    std::vector<std::vector<int>> scored;
    if (req.part != "test") scored.insert(scored.end(), validation.begin(), validation.end());
    if (req.part != "validation") scored.insert(scored.end(), test.begin(), test.end());
    CADENZA_CHECK(!scored.empty(), req.corpus, ": the split holds out no ", req.part,
                  " song (", corpus.songs.size(), " songs, fraction ", s.val_fraction, "); use a larger --val-fraction");
    const int V = int(k.vocabulary.size());
    const int first = k.settings.model == ModelKind::paper ? k.settings.seq_len : 1;
    r.songs = int(scored.size());

    // The model.
    Tally model;
    for (const auto& song : scored)
        model_predictions(*k.model, k.settings, V, song,
                          [&](int target, const float* z) { model.add(z, V, target, true); });
    r.positions = model.n;
    CADENZA_CHECK(r.positions > 0, "no position to score: every ", req.part, " song is shorter than ", first + 1,
                  " tokens");
    r.rows.push_back(model.scores(std::string(model_name(k.settings.model)) + " model (epoch " +
                                      std::to_string(k.progress.epoch) + ")",
                                  true));

    // The n-gram's order, chosen on the validation songs.
    double best = std::numeric_limits<double>::infinity();
    for (int n = 2; n <= 4; ++n) {
        const double nll = baseline_scores(train, validation.empty() ? scored : validation, V, first, n)[2].nll;
        r.kn_validation.emplace_back(n, nll);
        if (nll < best) {
            best = nll;
            r.kn_order = n;
        }
    }
    for (const Scores& b : baseline_scores(train, scored, V, first, r.kn_order)) r.rows.push_back(b);
    const int most_id = [&] {
        std::vector<int64_t> c(size_t(V), 0);
        for (const auto& song : train)
            for (int id : song) ++c[size_t(id)];
        return int(std::max_element(c.begin(), c.end()) - c.begin());
    }();
    r.rows[1].name = "most frequent (" + k.vocabulary.decode(most_id) + ")";

    // Sampled pieces.
    const auto training_notes = notes_of(train, k.vocabulary, k.encoding);
    std::vector<PieceFeatures> tf, gf;
    for (const auto& n : training_notes) tf.push_back(piece_features(n, 480));
    for (int i = 0; i < req.pieces; ++i) {
        GenerateRequest g;
        g.checkpoint = req.checkpoint;
        g.length = req.length;
        g.sampling.temperature = 1.0;
        g.sampling.top_p = 0.95;
        g.sampling.seed = uint64_t(i + 1);
        const GenerateResult piece = compose(k, g);
        const std::vector<int> ids = k.vocabulary.encode(piece.tokens);
        PieceCheck c;
        c.seed = g.sampling.seed;
        const CopiedPassage copied = longest_copied_passage(ids, train);
        c.copied = copied.length;
        const RepeatedRun run_ = longest_repeated_run(ids);
        c.repeated = run_.length;
        if (run_.token >= 0) c.repeated_token = k.vocabulary.decode(run_.token);
        int dropped = 0;
        const auto notes = tokens_to_notes(piece.tokens, k.encoding, 0, dropped);
        c.notes = int(notes.size());
        gf.push_back(piece_features(notes, 480));
        r.pieces.push_back(c);
    }
    if (!gf.empty() && !tf.empty()) r.overlaps = compare_sets(tf, gf);
    return r;
}

std::string evaluation_text(const EvaluationResult& r) {
    std::string out;
    char line[512];
    if (!r.split_note.empty()) out += r.split_note + "\n";
    std::snprintf(line, sizeof line, "%s songs: %d, %lld positions scored\n", r.part.c_str(), r.songs,
                  (long long)r.positions);
    out += line;
    std::snprintf(line, sizeof line, "%-34s %8s %11s %8s %8s\n", "", "NLL", "perplexity", "top-1", "top-5");
    out += line;
    for (const Scores& s : r.rows) {
        if (std::isnan(s.nll))
            std::snprintf(line, sizeof line, "%-34s %8s %11s %7.2f%% %7.2f%%\n", s.name.c_str(), "-", "-",
                          100 * s.top1, 100 * s.top5);
        else
            std::snprintf(line, sizeof line, "%-34s %8.4f %11.2f %7.2f%% %7.2f%%\n", s.name.c_str(), s.nll,
                          s.perplexity(), 100 * s.top1, 100 * s.top5);
        out += line;
    }
    out += "Kneser-Ney order chosen on the validation songs:";
    for (const auto& [n, nll] : r.kn_validation) {
        std::snprintf(line, sizeof line, " %d-gram %.4f%s", n, nll, n == r.kn_order ? " (chosen)" : "");
        out += line;
    }
    out += "\n";
    if (!r.pieces.empty()) {
        out += "\nsampled pieces (temperature 1, top-p 0.95):\n";
        std::snprintf(line, sizeof line, "%6s %8s %14s %10s\n", "seed", "notes", "longest copy", "longest run");
        out += line;
        for (const PieceCheck& p : r.pieces) {
            std::snprintf(line, sizeof line, "%6llu %8d %14zu %10zu%s\n", (unsigned long long)p.seed, p.notes, p.copied,
                          p.repeated, p.repeated_token.empty() ? "" : ("  (" + p.repeated_token + ")").c_str());
            out += line;
        }
        if (!r.overlaps.empty()) {
            out += "overlap with the training songs (1: the same distribution):";
            for (const Agreement& a : r.overlaps) {
                std::snprintf(line, sizeof line, " %s %.2f;", a.feature.c_str(), a.overlapped_area);
                out += line;
            }
            out += "\n";
        }
    }
    return out;
}

std::string evaluation_json(const EvaluationResult& r) {
    auto number = [](double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); };
    nlohmann::ordered_json j;
    j["part"] = r.part;
    if (!r.split_note.empty()) j["warning"] = r.split_note;
    j["songs"] = r.songs;
    j["positions"] = r.positions;
    j["kn_order"] = r.kn_order;
    for (const auto& [n, nll] : r.kn_validation) j["kn_validation_nll"][std::to_string(n)] = number(nll);
    for (const Scores& s : r.rows)
        j["rows"].push_back({{"name", s.name},
                             {"nll", number(s.nll)},
                             {"perplexity", number(s.perplexity())},
                             {"top1", s.top1},
                             {"top5", s.top5}});
    for (const PieceCheck& p : r.pieces)
        j["pieces"].push_back({{"seed", p.seed},
                               {"notes", p.notes},
                               {"longest_copy", p.copied},
                               {"longest_run", p.repeated},
                               {"longest_run_token", p.repeated_token}});
    for (const Agreement& a : r.overlaps)
        j["overlaps"][a.feature] = {{"overlapped_area", number(a.overlapped_area)},
                                    {"kl_divergence", number(a.kl_divergence)}};
    return j.dump(2) + "\n";
}

}  // namespace cadenza::app
