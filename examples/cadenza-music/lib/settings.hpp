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
