// examples/cadenza-music/lib/checkpoint.hpp: one self-contained file per training state.
//
// The library's sections (architecture, parameters, optimizer: see
// cadenza/io/model_io.hpp) plus the application's:
//   "cadenza-music"  format line and the corpus encoding ("encoding paper", "rests 1")
//   "vocabulary"     the token <-> id table the model was trained with
//   "settings"       Settings::serialize(): every choice of the run
//   "progress"       epoch, best validation loss and epoch, epochs without
//                    improvement, and the history (CSV) so far
//   "seed-windows"   a few training windows, so generation needs no corpus
// The random state is the seed (in settings), the optimizer's step count and the
// epoch: every random number is a pure function of those (core/philox.hpp).
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cadenza/backend/backend.hpp"
#include "cadenza/io/container.hpp"
#include "cadenza/model/sequential.hpp"
#include "cadenza/music/vocabulary.hpp"
#include "corpus.hpp"
#include "settings.hpp"

namespace cadenza::app {

struct Progress {
    int epoch = 0;  // epochs completed
    double best_val_loss = std::numeric_limits<double>::infinity();
    int best_epoch = 0;
    int epochs_without_improvement = 0;
    std::string history_csv;  // header + one line per epoch

    std::string serialize() const;
    static Progress parse(const std::string& text, const std::string& where);
};

struct Checkpoint {
    std::unique_ptr<Sequential<float>> model;
    music::Vocabulary vocabulary;
    Encoding encoding = Encoding::paper;
    bool rests = true;
    Parts parts = Parts::first;
    Settings settings;
    Progress progress;
    std::vector<std::vector<int>> seed_windows;
};

void save_checkpoint(const std::string& path, Sequential<float>& model, const Corpus& corpus,
                     const Settings& s, const Progress& p,
                     const std::vector<std::vector<int>>& seed_windows);
// Reads and checks every section (docs/reliability.md lists the checks);
// throws cadenza::Error naming the file and what is wrong.
Checkpoint load_checkpoint(const std::string& path, std::shared_ptr<Backend<float>> backend);
Checkpoint load_checkpoint(const io::Container& file, std::shared_ptr<Backend<float>> backend);

}  // namespace cadenza::app
