// examples/cadenza-music/lib/settings.hpp: the choices that describe a training
// run, as `train` takes them and as every checkpoint stores them ("settings").
#pragma once

#include <cstdint>
#include <string>

namespace cadenza::app {

// The two models (models.hpp builds them).
enum class ModelKind { paper, stream };
// How the held-out part is chosen: whole songs (seeded), or the paper's
// shuffled windows (which overlap the training windows of the same song).
enum class SplitKind { songs, windows };

const char* model_name(ModelKind model);
const char* split_name(SplitKind split);
// Throw cadenza::Error naming `where` for an unknown name.
ModelKind parse_model(const std::string& name, const std::string& where);
SplitKind parse_split(const std::string& name, const std::string& where);

struct Settings {
    ModelKind model = ModelKind::paper;
    int epochs = 100;
    int batch = 128;  // paper: windows per batch; stream: parallel lanes
    int seq_len = 100;
    SplitKind split = SplitKind::songs;
    double val_fraction = 0.2;
    int patience = 0;  // 0: no early stopping
    int threads = 0;   // 0: all cores
    uint64_t seed = 1;
    double lr = 1e-3;
    double clip_norm = 0.0;
    int units = 0;       // 0: the model's default (128 paper, 256 stream)
    int dense = 256;     // paper model's hidden Dense
    int embedding = 64;  // stream model's Embedding
    std::string corpus;  // the corpus file the run trained on
    // Song split: which songs are held out (by this seed, not the training
    // seed, so that runs of several seeds are judged on the same songs); the
    // first half of the held-out songs validates (best epoch, early stopping),
    // the second half is the test set only `evaluate` reads. Files written
    // before the setting existed used `seed` (Settings::parse keeps that).
    uint64_t split_seed = 1;
    // Stream model: dropout between its layers (after each LSTM) and on the
    // embedding's output.
    double dropout = 0.0;
    double embedding_dropout = 0.0;
    // AdamW's decoupled weight decay (0: Adam).
    double weight_decay = 0.0;
    // Learning rate per epoch: constant, or cosine annealing to lr / 20 over the run's epochs.
    enum class Schedule { constant, cosine } schedule = Schedule::constant;
    // Augmentation: every training song also moved by -k..+k semitones (0: off).
    int transpose = 0;
    // Every song (training and held out) moved to C major / A minor by its
    // estimated key; predictions are moved back before scoring.
    bool key_normalize = false;
    // Stream model: each epoch cuts the lanes' chunks at another offset.
    bool random_offsets = false;
    // Stream model: the recurrent layers, LSTM or GRU (PyTorch's GRU; files
    // written before the setting existed are LSTM).
    enum class Cell { lstm, gru } cell = Cell::lstm;
    // Samples per micro-batch, the unit of work shared by the ranks of
    // `mpirun -np N` (0: the whole batch, one unit). A run's results depend on
    // it and never on N: a run resumes with any number of ranks (files written
    // before the setting existed: 0).
    int micro_batch = 0;
    int micro_batch_size() const { return micro_batch > 0 ? micro_batch : batch; }

    int lstm_units() const { return units > 0 ? units : (model == ModelKind::stream ? 256 : 128); }

    // "key value" lines, numbers at full precision.
    std::string serialize() const;
    // Throws cadenza::Error naming `where` and the setting that is malformed
    // or outside the range `train` accepts.
    static Settings parse(const std::string& text, const std::string& where);
    // Every setting within the range `train` accepts; throws naming `where`.
    void check(const std::string& where) const;
};

}  // namespace cadenza::app
