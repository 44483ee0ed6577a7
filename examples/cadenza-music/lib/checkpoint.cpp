// examples/cadenza-music/lib/checkpoint.cpp: see checkpoint.hpp.
#include "checkpoint.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "cadenza/io/container.hpp"
#include "cadenza/io/model_io.hpp"

namespace cadenza::app {

std::string Progress::serialize() const {
    std::ostringstream s;
    s.precision(17);
    s << "epoch " << epoch << "\nbest_val_loss " << best_val_loss << "\nbest_epoch " << best_epoch
      << "\nepochs_without_improvement " << epochs_without_improvement << "\nhistory\n"
      << history_csv;
    return s.str();
}

Progress Progress::parse(const std::string& text, const std::string& where) {
    Progress p;
    std::istringstream in(text);
    std::string key, best;
    in >> key >> p.epoch >> key >> best >> key >> p.best_epoch >> key >> p.epochs_without_improvement >> key;
    CADENZA_CHECK(!in.fail() && key == "history", where, ": the progress section is malformed");
    char* end = nullptr;
    p.best_val_loss = best == "inf" ? std::numeric_limits<double>::infinity() : std::strtod(best.c_str(), &end);
    CADENZA_CHECK(best == "inf" || (end && *end == '\0' && std::isfinite(p.best_val_loss)), where,
                  ": the best validation loss '", best, "' is not a finite number");
    CADENZA_CHECK(p.epoch >= 0 && p.epoch <= 1000000, where, ": epoch ", p.epoch, " is outside 0..1000000");
    CADENZA_CHECK(p.best_epoch >= 0 && p.best_epoch <= p.epoch, where, ": the best epoch ", p.best_epoch,
                  " is not one of the ", p.epoch, " epochs trained");
    CADENZA_CHECK(p.epochs_without_improvement >= 0 && p.epochs_without_improvement <= p.epoch, where,
                  ": ", p.epochs_without_improvement, " epochs without improvement in ", p.epoch, " epochs");
    std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!rest.empty() && rest[0] == '\n') rest.erase(0, 1);
    p.history_csv = rest;
    const long lines = long(std::count(rest.begin(), rest.end(), '\n'));
    CADENZA_CHECK(lines == p.epoch + 1, where, ": the history holds ", lines - 1, " epochs, the progress says ",
                  p.epoch);
    return p;
}

void save_checkpoint(const std::string& path, Sequential<float>& model, const Corpus& corpus,
                     const Settings& s, const Progress& p,
                     const std::vector<std::vector<int>>& seed_windows) {
    io::Container c;
    io::save_model(model, c);
    c.set("cadenza-music", std::string("cadenza-music-checkpoint 1\nencoding ") +
                               encoding_name(corpus.encoding) + "\nrests " +
                               (corpus.rests ? "1" : "0") + "\nparts " + parts_name(corpus.parts) +
                               "\n");
    c.set("vocabulary", corpus.vocabulary.serialize());
    c.set("settings", s.serialize());
    c.set("progress", p.serialize());
    io::ByteWriter w;
    w.put<uint32_t>(uint32_t(seed_windows.size()));
    for (const auto& win : seed_windows) {
        w.put<uint32_t>(uint32_t(win.size()));
        for (int id : win) w.put<int32_t>(id);
    }
    c.set("seed-windows", std::move(w.str()));
    c.save(path);
}

namespace {

std::vector<std::vector<int>> read_seed_windows(const io::Container& c, int64_t V) {
    const std::string where = c.source() + " (seed-windows)";
    io::ByteReader r(c.get("seed-windows"), where);
    const uint32_t n = r.get<uint32_t>("the window count");
    std::vector<std::vector<int>> windows;
    for (uint32_t i = 0; i < n; ++i) {
        const uint32_t len = r.get<uint32_t>("a window length");
        r.need_items(len, 4, "a window's ids");  // before allocating
        std::vector<int> win(len);
        for (int& id : win) {
            id = r.get<int32_t>("a token id");
            CADENZA_CHECK(id >= 0 && id < V, where, ": seed window ", i, " holds id ", id, " outside the vocabulary of ",
                          V);
        }
        windows.push_back(std::move(win));
    }
    CADENZA_CHECK(r.remaining() == 0, where, ": ", r.remaining(), " bytes after the last window");
    return windows;
}

// Weights and optimizer state that are NaN or infinite cannot come from a
// run that trained (a diverging step stops before it changes them).
void check_finite(Sequential<float>& model, const std::string& where) {
    std::vector<float> host(size_t(model.parameter_count()));
    model.backend().download(model.parameters().data(), host.data(), model.parameter_count());
    for (size_t i = 0; i < host.size(); ++i)
        CADENZA_CHECK(std::isfinite(host[i]), where, ": parameter ", i, " is ", host[i],
                      "; the weights are damaged");
    for (auto& [name, tensor] : model.optimizer().state()) {
        host.resize(size_t(tensor->numel()));
        model.backend().download(tensor->data(), host.data(), tensor->numel());
        for (size_t i = 0; i < host.size(); ++i)
            CADENZA_CHECK(std::isfinite(host[i]), where, ": optimizer state ", name, "[", i, "] is ", host[i]);
    }
}

}  // namespace

Checkpoint load_checkpoint(const std::string& path, std::shared_ptr<Backend<float>> backend) {
    return load_checkpoint(io::Container::load(path), std::move(backend));
}

Checkpoint load_checkpoint(const io::Container& c, std::shared_ptr<Backend<float>> backend) {
    const std::string& path = c.source();
    CADENZA_CHECK(c.has("cadenza-music"), path,
                  ": a Cadenza file, but not a cadenza-music checkpoint (no 'cadenza-music' section)");
    Checkpoint k;
    auto kv = parse_key_values(c.get("cadenza-music"));
    CADENZA_CHECK(c.get("cadenza-music").rfind("cadenza-music-checkpoint 1\n", 0) == 0, path,
                  ": the 'cadenza-music' section is not version 1 of a cadenza-music checkpoint");
    k.encoding = parse_encoding(kv["encoding"], path);
    CADENZA_CHECK(kv["rests"] == "0" || kv["rests"] == "1", path, ": rests '", kv["rests"], "' is not 0 or 1");
    k.rests = kv["rests"] == "1";
    k.parts = parse_parts(kv["parts"], path);
    k.vocabulary = read_vocabulary(c);
    check_vocabulary(k.vocabulary, k.encoding, path);
    k.settings = Settings::parse(c.get("settings"), path + " (settings)");
    k.progress = Progress::parse(c.get("progress"), path + " (progress)");
    k.model = io::load_model<float>(c, std::move(backend));
    check_finite(*k.model, path);
    const int64_t V = k.model->output_shape().back();
    CADENZA_CHECK(V == int64_t(k.vocabulary.size()), path, ": the model predicts ", V,
                  " tokens but the checkpoint's vocabulary has ", k.vocabulary.size());
    CADENZA_CHECK(k.model->input_shape()[0] == k.settings.seq_len, path, ": the model's window is ",
                  k.model->input_shape()[0], " tokens but its settings say ", k.settings.seq_len);
    k.seed_windows = read_seed_windows(c, V);
    return k;
}

}  // namespace cadenza::app
