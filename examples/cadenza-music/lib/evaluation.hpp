// examples/cadenza-music/lib/evaluation.hpp: `cadenza-music evaluate
// CHECKPOINT CORPUS`: how well a model predicts songs it has never seen,
// against the baselines, and what its sampled pieces look like.
//
// The songs: the run's song split (run_songs.hpp: settings split_seed and
// val_fraction, from the checkpoint), its test songs by default (--part
// validation, test or held-out). A run trained on the paper's window split
// has no held-out songs: the song split is used anyway, with a warning that
// its training saw windows of them; so does a split other than the run's.
//
// Protocol: each song is scored from a reset state, every token after the
// first (the stream model); the paper's model, which reads a window of
// seq_len tokens, from position seq_len on. The baselines are scored on
// exactly the same positions:
//   most frequent  always the training part's most frequent token (accuracy only)
//   unigram        training token frequencies, add-one smoothed
//   Kneser-Ney     interpolated Kneser-Ney n-gram (ngram.hpp), n in 2..4
//                  chosen by the lowest loss on the validation songs
// all fitted on the run's training songs as the model saw them (transposed
// copies included, in the key-normalised space when the run normalised).
// A key-normalised model's (and the baselines') predictions are moved back
// by each song's shift before scoring: targets count on the original tokens.
// Figures: mean negative log-likelihood in nats, perplexity exp(NLL), top-1
// and top-5 accuracy (ties ranked as kernels::target_in_top_k does).
//
// Then N pieces sampled as the report samples them (temperature 1, top-p
// 0.95, seeds 1..N, 500 tokens), each with the longest passage copied from a
// training song and the longest run of one repeated token, and the set's
// overlaps with the training songs (Yang & Lerch: report/metrics.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report/metrics.hpp"

namespace cadenza::app {

struct EvaluateRequest {
    std::string checkpoint, corpus;
    std::string part = "test";  // validation, test or held-out
    int pieces = 10;
    int length = 500;
    int threads = 0;
    double val_fraction = -1;  // < 0: the run's
    int64_t split_seed = -1;   // < 0: the run's
};

struct Scores {
    std::string name;
    double nll = 0;  // nats per token; NaN where the predictor gives no distribution
    double top1 = 0, top5 = 0;
    double perplexity() const;
};

struct PieceCheck {
    uint64_t seed = 0;
    size_t copied = 0;  // longest passage found in one training song, tokens
    std::string copied_from;
    size_t repeated = 0;  // longest run of one token
    std::string repeated_token;
    int notes = 0;
};

struct EvaluationResult {
    std::string part, split_note;
    int songs = 0;
    int64_t positions = 0;
    int kn_order = 0;
    std::vector<std::pair<int, double>> kn_validation;  // (n, validation NLL) of each order tried
    std::vector<Scores> rows;                           // the model first, then the baselines
    std::vector<PieceCheck> pieces;
    std::vector<Agreement> overlaps;
};

EvaluationResult evaluate(const EvaluateRequest& req);

// The table as `evaluate` prints it, and as JSON (--json).
std::string evaluation_text(const EvaluationResult& r);
std::string evaluation_json(const EvaluationResult& r);

// The baselines' scores alone, on given songs (ids < V) after fitting on
// `train` (each song scored from its position `first` on): most frequent,
// unigram, Kneser-Ney of order n. The tests check these by hand.
std::vector<Scores> baseline_scores(const std::vector<std::vector<int>>& train,
                                    const std::vector<std::vector<int>>& songs, int V, int first, int kn_order);

}  // namespace cadenza::app
