// examples/cadenza-music/lib/baselines.hpp: `cadenza-music baselines`: what
// simple predictors score on a run's validation windows.
//
// The same split as `train` with the same options, then, for each validation
// window's target token:
//   most frequent: always the training set's most frequent target (accuracy only);
//   unigram:       p(token) from training target counts, add-one smoothed;
//   bigram:        p(token | the window's last token), add-one smoothed, argmax for accuracy.
// Prints accuracy and mean cross-entropy (nats), comparable with the model's.
#pragma once

#include <string>

#include "settings.hpp"

namespace cadenza::app {

// Prints the table for CORPUS split as `s` (split, val_fraction, seq_len, seed).
int run_baselines(const std::string& corpus_path, const Settings& s);

}  // namespace cadenza::app
