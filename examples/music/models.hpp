// examples/music/models.hpp: the two models and the settings that describe a run.
//
//   paper:  LSTM(128) -> Dropout(0.3) -> LSTM(128) -> Flatten -> Dense(256)
//           -> Dropout(0.3) -> Dense(V), softmax; input one scalar per step,
//           token id / V (the paper's Fig. 7 and its preprocessing).
//   stream: Embedding(64) -> LSTM(256) -> LSTM(256) -> Dense(V) at every step,
//           stateful: the state is carried from one window to the next, so
//           generation costs one step per token.
#pragma once

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "cadenza/cadenza.hpp"

namespace cadenza::app {

struct Settings {
    std::string model = "paper";  // paper | stream
    int epochs = 100;
    int batch = 128;
    int seq_len = 100;
    std::string split = "songs";  // songs | windows
    double val_fraction = 0.2;
    int patience = 0;             // 0: no early stopping
    int threads = 0;              // 0: all cores
    uint64_t seed = 1;
    double lr = 1e-3;
    double clip_norm = 0.0;
    int units = 0;                // 0: the model's default (128 paper, 256 stream)
    int dense = 256;              // paper model's hidden Dense
    int embedding = 64;           // stream model's Embedding
    std::string corpus;           // the corpus file the run trained on

    int lstm_units() const { return units > 0 ? units : (model == "stream" ? 256 : 128); }

    std::string serialize() const {
        std::ostringstream s;
        s.precision(17);
        s << "model " << model << "\nepochs " << epochs << "\nbatch " << batch << "\nseq_len "
          << seq_len << "\nsplit " << split << "\nval_fraction " << val_fraction << "\npatience "
          << patience << "\nthreads " << threads << "\nseed " << seed << "\nlr " << lr
          << "\nclip_norm " << clip_norm << "\nunits " << units << "\ndense " << dense
          << "\nembedding " << embedding << "\ncorpus " << corpus << "\n";
        return s.str();
    }

    static Settings parse(const std::string& text, const std::string& where) {
        Settings s;
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            auto sp = line.find(' ');
            if (sp == std::string::npos) continue;
            std::string k = line.substr(0, sp), v = line.substr(sp + 1);
            auto num = [&](auto& field) {
                std::istringstream vs(v);
                vs >> field;
                CADENZA_CHECK(!vs.fail(), where, ": setting ", k, "='", v, "' is not a number");
            };
            if (k == "model") s.model = v;
            else if (k == "epochs") num(s.epochs);
            else if (k == "batch") num(s.batch);
            else if (k == "seq_len") num(s.seq_len);
            else if (k == "split") s.split = v;
            else if (k == "val_fraction") num(s.val_fraction);
            else if (k == "patience") num(s.patience);
            else if (k == "threads") num(s.threads);
            else if (k == "seed") num(s.seed);
            else if (k == "lr") num(s.lr);
            else if (k == "clip_norm") num(s.clip_norm);
            else if (k == "units") num(s.units);
            else if (k == "dense") num(s.dense);
            else if (k == "embedding") num(s.embedding);
            else if (k == "corpus") s.corpus = v;
        }
        CADENZA_CHECK(s.model == "paper" || s.model == "stream", where, ": unknown model '", s.model, "'");
        return s;
    }
};

// A fresh, built model for a vocabulary of V tokens.
inline std::unique_ptr<Sequential<float>> build_model(const Settings& s, int V,
                                                      std::shared_ptr<Backend<float>> backend) {
    auto m = std::make_unique<Sequential<float>>(std::move(backend));
    const int H = s.lstm_units();
    if (s.model == "paper") {
        m->add<Lstm<float>>(H, true);
        m->add<Dropout<float>>(0.3);
        m->add<Lstm<float>>(H, true);
        m->add<Flatten<float>>();
        m->add<Dense<float>>(s.dense);
        m->add<Dropout<float>>(0.3);
        m->add<Dense<float>>(V);
    } else {
        typename Lstm<float>::Options o;
        o.units = H;
        o.return_sequences = true;
        o.stateful = true;
        m->add<Embedding<float>>(V, s.embedding);
        m->add<Lstm<float>>(o);
        m->add<Lstm<float>>(o);
        m->add<Dense<float>>(V);
    }
    m->set_optimizer(std::make_unique<Adam<float>>(AdamOptions{s.lr, 0.9, 0.999, 1e-7, s.clip_norm}));
    m->build({s.seq_len, 1}, s.seed);
    return m;
}

}  // namespace cadenza::app
