// examples/cadenza-music/lib/training.hpp: `cadenza-music train`: fit,
// checkpoint, resume, stop early.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cadenza/dist/communicator.hpp"
#include "cadenza/model/data.hpp"
#include "batches.hpp"
#include "cadenza/music/dataset.hpp"
#include "corpus.hpp"
#include "device.hpp"
#include "settings.hpp"

namespace cadenza::app {

struct TrainRequest {
    std::string corpus;  // may be empty with resume (then the run's own)
    std::string run_dir;
    bool resume = false;
    Settings settings;  // ignored when resuming, except threads and epochs
    bool epochs_given = false;
    bool threads_given = false;
    bool micro_batch_given = false;  // resuming: must be the run's own
    Device device = Device::cpu;
    // The processes `mpirun -np N` started (data-parallel training); null:
    // this process alone. Rank 0 owns the run folder: it locks it, reads the
    // checkpoint (sent to the other ranks) and writes every file and line of
    // output; every rank reads the corpus.
    dist::Communicator* ranks = nullptr;
};

// The data of a run, cut the same way every time from the corpus and the settings.
struct RunData {
    std::unique_ptr<music::SequenceDataset> dataset, validation_dataset;
    std::unique_ptr<BatchSource<float>> train, validation;
    LaneBatches* lanes = nullptr;  // the stream model's training lanes (train), for --random-offsets
    int validation_batch = 128;
    std::vector<std::vector<int>> seed_windows;  // for generation without a corpus
    music::Vocabulary vocabulary;                // the run's (the corpus's, extended: run_songs.hpp)
    int64_t augmented_copies = 0;
};

// The corpus cut as the settings say (run_songs.hpp for the song split).
RunData make_run_data(const Corpus& corpus, const Settings& s);

// Exit status: 0 done (or stopped early), 3 the loss diverged (the last
// good checkpoints are kept). Other failures throw cadenza::Error; on several
// ranks, a failure that only some ranks see is printed with its rank and
// ends every rank (Communicator::abort_all), so that none waits forever.
int run_train(const TrainRequest& req);

}  // namespace cadenza::app
