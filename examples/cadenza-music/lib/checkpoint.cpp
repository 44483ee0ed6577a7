// examples/cadenza-music/lib/checkpoint.cpp: see checkpoint.hpp.
#include "checkpoint.hpp"

#include <cmath>
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
    std::string key;
    std::string best;
    in >> key >> p.epoch >> key >> best >> key >> p.best_epoch >> key >>
        p.epochs_without_improvement >> key;
    CADENZA_CHECK(!in.fail() && key == "history", where, ": the progress section is malformed");
    p.best_val_loss = best == "inf" ? std::numeric_limits<double>::infinity() : std::stod(best);
    std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!rest.empty() && rest[0] == '\n') rest.erase(0, 1);
    p.history_csv = rest;
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

Checkpoint load_checkpoint(const std::string& path, std::shared_ptr<Backend<float>> backend) {
    io::Container c = io::Container::load(path);
    CADENZA_CHECK(
        c.has("cadenza-music"), path,
        ": a Cadenza file, but not a cadenza-music checkpoint (no 'cadenza-music' section)");
    Checkpoint k;
    auto kv = parse_key_values(c.get("cadenza-music"));
    k.encoding = parse_encoding(kv["encoding"], path);
    k.rests = kv["rests"] == "1";
    k.parts = parse_parts(kv["parts"], path);
    k.vocabulary = read_vocabulary(c);
    k.settings = Settings::parse(c.get("settings"), path + " (settings)");
    k.progress = Progress::parse(c.get("progress"), path + " (progress)");
    k.model = io::load_model<float>(c, std::move(backend));
    const int64_t V = k.model->output_shape().back();
    CADENZA_CHECK(V == int64_t(k.vocabulary.size()), path, ": the model predicts ", V,
                  " tokens but the checkpoint's vocabulary has ", k.vocabulary.size());
    io::ByteReader r(c.get("seed-windows"), path + " (seed-windows)");
    uint32_t n = r.get<uint32_t>("the window count");
    for (uint32_t i = 0; i < n; ++i) {
        uint32_t len = r.get<uint32_t>("a window length");
        r.need(uint64_t(len) * 4, "a window's ids");
        std::vector<int> win(len);
        for (int& id : win) {
            id = r.get<int32_t>("a token id");
            CADENZA_CHECK(id >= 0 && id < V, path, ": seed window ", i, " holds id ", id,
                          " outside the vocabulary");
        }
        k.seed_windows.push_back(std::move(win));
    }
    return k;
}

}  // namespace cadenza::app
