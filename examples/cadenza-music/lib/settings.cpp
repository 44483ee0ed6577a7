// examples/cadenza-music/lib/settings.cpp: see settings.hpp.
#include "settings.hpp"

#include <cmath>
#include <sstream>

#include "cadenza/error.hpp"

namespace cadenza::app {

const char* model_name(ModelKind model) { return model == ModelKind::paper ? "paper" : "stream"; }
const char* split_name(SplitKind split) { return split == SplitKind::songs ? "songs" : "windows"; }

ModelKind parse_model(const std::string& name, const std::string& where) {
    if (name == "paper") return ModelKind::paper;
    if (name == "stream") return ModelKind::stream;
    throw Error(where + ": unknown model '" + name + "' (expected paper or stream)");
}

SplitKind parse_split(const std::string& name, const std::string& where) {
    if (name == "songs") return SplitKind::songs;
    if (name == "windows") return SplitKind::windows;
    throw Error(where + ": unknown split '" + name + "' (expected songs or windows)");
}

std::string Settings::serialize() const {
    std::ostringstream s;
    s.precision(17);
    s << "model " << model_name(model) << "\nepochs " << epochs << "\nbatch " << batch
      << "\nseq_len " << seq_len << "\nsplit " << split_name(split) << "\nval_fraction "
      << val_fraction << "\npatience " << patience << "\nthreads " << threads << "\nseed " << seed
      << "\nlr " << lr << "\nclip_norm " << clip_norm << "\nunits " << units << "\ndense " << dense
      << "\nembedding " << embedding << "\ncorpus " << corpus << "\nsplit_seed " << split_seed
      << "\ndropout " << dropout << "\nembedding_dropout " << embedding_dropout << "\nweight_decay "
      << weight_decay << "\nschedule " << (schedule == Schedule::cosine ? "cosine" : "constant") << "\ntranspose "
      << transpose << "\nkey_normalize " << key_normalize << "\nrandom_offsets " << random_offsets << "\ncell "
      << (cell == Cell::gru ? "gru" : "lstm") << "\nmicro_batch " << micro_batch << "\n";
    return s.str();
}

Settings Settings::parse(const std::string& text, const std::string& where) {
    Settings s;
    bool has_split_seed = false;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto sp = line.find(' ');
        if (sp == std::string::npos) continue;
        const std::string k = line.substr(0, sp), v = line.substr(sp + 1);
        auto num = [&](auto& field) {
            std::istringstream vs(v);
            vs >> field;
            CADENZA_CHECK(!vs.fail(), where, ": setting ", k, "='", v, "' is not a number");
        };
        if (k == "model") s.model = parse_model(v, where);
        else if (k == "epochs") num(s.epochs);
        else if (k == "batch") num(s.batch);
        else if (k == "seq_len") num(s.seq_len);
        else if (k == "split") s.split = parse_split(v, where);
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
        else if (k == "split_seed") {
            num(s.split_seed);
            has_split_seed = true;
        } else if (k == "dropout") num(s.dropout);
        else if (k == "embedding_dropout") num(s.embedding_dropout);
        else if (k == "weight_decay") num(s.weight_decay);
        else if (k == "schedule") {
            CADENZA_CHECK(v == "constant" || v == "cosine", where, ": setting schedule='", v,
                          "' (expected constant or cosine)");
            s.schedule = v == "cosine" ? Schedule::cosine : Schedule::constant;
        } else if (k == "transpose") num(s.transpose);
        else if (k == "key_normalize") num(s.key_normalize);
        else if (k == "random_offsets") num(s.random_offsets);
        else if (k == "micro_batch") num(s.micro_batch);
        else if (k == "cell") {
            CADENZA_CHECK(v == "lstm" || v == "gru", where, ": setting cell='", v, "' (expected lstm or gru)");
            s.cell = v == "gru" ? Cell::gru : Cell::lstm;
        }
    }
    if (!has_split_seed) s.split_seed = s.seed;  // written before the setting: the split followed the seed
    s.check(where);
    return s;
}

void Settings::check(const std::string& where) const {
    auto in = [&](const char* name, double value, double lo, double hi) {
        CADENZA_CHECK(std::isfinite(value) && value >= lo && value <= hi, where, ": setting ", name, " = ", value,
                      " is outside ", lo, "..", hi);
    };
    in("epochs", epochs, 1, 1000000);
    in("batch", batch, 1, 65536);
    in("seq_len", seq_len, 1, 100000);
    in("val_fraction", val_fraction, 0.0, 0.9);
    in("patience", patience, 0, 1000000);
    in("threads", threads, 0, 4096);
    in("lr", lr, 1e-9, 10.0);
    in("clip_norm", clip_norm, 0.0, 1e9);
    in("units", units, 0, 8192);
    in("dense", dense, 1, 65536);
    in("embedding", embedding, 1, 65536);
    in("dropout", dropout, 0.0, 0.9);
    in("embedding_dropout", embedding_dropout, 0.0, 0.9);
    in("weight_decay", weight_decay, 0.0, 0.5 / lr);
    in("transpose", transpose, 0, 6);
    in("micro_batch", micro_batch, 0, batch);
    CADENZA_CHECK(cell == Cell::lstm || model == ModelKind::stream, where,
                  ": the paper's model is made of LSTMs; a GRU needs the stream model (--model stream)");
}

}  // namespace cadenza::app
