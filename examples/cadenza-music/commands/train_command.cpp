// examples/cadenza-music/commands/train_command.cpp: `cadenza-music train
// CORPUS -o RUN_DIR` and `train --resume RUN_DIR`.
#include <memory>

#include "../lib/training.hpp"
#include "arguments.hpp"
#include "commands.hpp"

namespace cadenza::app {

namespace {

struct TrainOptions {
    TrainRequest request;
    std::string resume_dir, model = "paper", split = "songs", device = "cpu";
    std::string schedule = "constant", cell = "lstm";
    CLI::Option* micro_batch = nullptr;
    CLI::Option *epochs = nullptr, *batch = nullptr, *threads = nullptr, *patience = nullptr;
    CLI::Option *seq_len = nullptr, *lr = nullptr, *dropout = nullptr, *embedding_dropout = nullptr,
                *weight_decay = nullptr;
};

int run_train_command(TrainOptions& o) {
    TrainRequest& req = o.request;
    if (!o.resume_dir.empty()) {
        if (!req.run_dir.empty() && req.run_dir != o.resume_dir)
            throw UsageError("give the run folder once: --resume RUN_DIR (not also -o)");
        req.resume = true;
        req.run_dir = o.resume_dir;
    } else if (req.corpus.empty() || req.run_dir.empty()) {
        throw UsageError("train needs CORPUS and -o RUN_DIR (or --resume RUN_DIR)");
    } else {
        check_outputs({{"CORPUS", req.corpus}}, {{"-o", req.run_dir}}, true);
    }
    req.settings.model = parse_model(o.model, "--model");
    req.settings.split = parse_split(o.split, "--split");
    req.device = parse_device(o.device, "--device");
    // The stream model's defaults are the settings chosen on the FF data's
    // validation songs (docs/results.md, "Which training change did what"): 16
    // lanes of 32 steps (its batch is its number of parallel lanes; 128
    // lanes of 100 steps would leave a few updates per epoch on a small
    // corpus), a higher learning rate, strong dropout and weight decay (a
    // 2 x 256 LSTM memorises 50,000 tokens within 10 epochs without them),
    // and early stopping on the validation songs. The paper's model keeps
    // the paper's settings (the reproduction) unless asked.
    if (req.settings.model == ModelKind::stream) {
        auto unless_given = [](CLI::Option* given, auto& value, auto stream_default) {
            if (given->count() == 0) value = stream_default;
        };
        Settings& s = req.settings;
        unless_given(o.batch, s.batch, 16);
        unless_given(o.seq_len, s.seq_len, 32);
        unless_given(o.lr, s.lr, 2e-3);
        unless_given(o.dropout, s.dropout, 0.6);
        unless_given(o.embedding_dropout, s.embedding_dropout, 0.3);
        unless_given(o.weight_decay, s.weight_decay, 0.1);
        unless_given(o.patience, s.patience, 5);
    }
    req.settings.schedule = o.schedule == "cosine" ? Settings::Schedule::cosine : Settings::Schedule::constant;
    req.settings.cell = o.cell == "gru" ? Settings::Cell::gru : Settings::Cell::lstm;
    req.settings.check("the command line");
    req.epochs_given = o.epochs->count() > 0;
    req.threads_given = o.threads->count() > 0;
    req.micro_batch_given = o.micro_batch->count() > 0;
    return run_train(req);
}

}  // namespace

Command add_train_command(CLI::App& app, dist::Communicator* ranks) {
    auto o = std::make_shared<TrainOptions>();
    o->request.ranks = ranks;
    Settings& s = o->request.settings;
    CLI::App* sub =
        app.add_subcommand("train", "Train a model on a corpus; a checkpoint every epoch");
    sub->add_option("CORPUS", o->request.corpus,
                    "Corpus made by `prepare` (with --resume: defaults to the run's)");
    sub->add_option("-o,--output", o->request.run_dir, "Run folder: checkpoints, history.csv");
    sub->add_option("--resume", o->resume_dir, "Continue the interrupted run in this folder");
    sub->add_option("--model", o->model, "paper (Fig. 7) or stream (Embedding + stateful LSTMs)")
        ->check(CLI::IsMember({"paper", "stream"}));
    o->epochs = sub->add_option("--epochs", s.epochs, "Epochs")->check(whole_in(1, 1000000));
    o->batch =
        sub->add_option("--batch", s.batch, "Batch size (default 128; stream model: 16 lanes)")
            ->check(whole_in(1, 65536));
    o->seq_len = sub->add_option("--seq-len", s.seq_len, "Window length in tokens (default 100; stream model: 32)")
        ->check(whole_in(1, 100000));
    sub->add_option("--split", o->split, "songs (seeded, whole songs) or windows (the paper's)")
        ->check(CLI::IsMember({"songs", "windows"}));
    sub->add_option("--val-fraction", s.val_fraction, "Fraction held out for validation")
        ->check(number_in(0.0, 0.9));
    o->patience = sub->add_option("--patience", s.patience,
                                  "Stop after this many epochs without a better validation loss "
                                  "(0: never; default 5 for the stream model, 0 for the paper's)")
                      ->check(whole_in(0, 1000000));
    sub->add_option("--split-seed", s.split_seed,
                    "Seed of the song split (which songs are held out; default 1, whatever --seed)")
        ->check(seed_value());
    o->threads = sub->add_option("--threads", s.threads, "Threads (0: all cores, shared by the ranks on a machine)")
                     ->check(whole_in(0, 4096));
    sub->add_option("--device", o->device, "cpu, or cuda (builds with the CUDA backend)")
        ->check(CLI::IsMember({"cpu", "cuda"}));
    sub->add_option("--seed", s.seed, "Seed of every random choice")->check(seed_value());
    o->lr = sub->add_option("--lr", s.lr, "Adam's learning rate (default 0.001; stream model: 0.002)")
                ->check(number_in(1e-9, 10.0));
    sub->add_option("--clip-norm", s.clip_norm, "Clip gradients to this global norm (0: off)")
        ->check(number_in(0.0, 1e9));
    sub->add_option("--units", s.units, "LSTM units (default 128 paper, 256 stream)")
        ->check(whole_in(1, 8192));
    o->dropout = sub->add_option("--dropout", s.dropout, "Stream model: dropout after each LSTM (default 0.6)")
                     ->check(number_in(0.0, 0.9));
    o->embedding_dropout = sub->add_option("--embedding-dropout", s.embedding_dropout,
                                           "Stream model: dropout on the embedding (default 0.3)")
        ->check(number_in(0.0, 0.9));
    o->weight_decay = sub->add_option("--weight-decay", s.weight_decay,
                                      "AdamW's decoupled weight decay (0: Adam; default 0, stream model 0.1)")
        ->check(number_in(0.0, 1e4));
    sub->add_option("--schedule", o->schedule, "Learning rate: constant, or cosine (to lr/20 at the last epoch)")
        ->check(CLI::IsMember({"constant", "cosine"}));
    sub->add_option("--transpose", s.transpose,
                    "Augmentation: training songs also moved by -K..+K semitones (0: off)")
        ->check(whole_in(0, 6));
    sub->add_flag("--key-normalize", s.key_normalize,
                  "Move every song to C major / A minor by its estimated key (scores count on the original tokens)");
    sub->add_flag("--random-offsets", s.random_offsets, "Stream model: cut the lanes at a new offset every epoch");
    o->micro_batch = sub->add_option("--micro-batch", s.micro_batch,
                    "Samples per micro-batch, the unit the ranks of mpirun -np N share (0: the whole batch; "
                    "under mpirun default batch/N). Results depend on it, never on N")
        ->check(whole_in(0, 65536));
    sub->add_option("--cell", o->cell, "Stream model: lstm (default) or gru (PyTorch's GRU) recurrent layers")
        ->check(CLI::IsMember({"lstm", "gru"}));
    return {sub, [o] { return run_train_command(*o); }};
}

}  // namespace cadenza::app
