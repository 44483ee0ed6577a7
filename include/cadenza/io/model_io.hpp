// cadenza/io/model_io.hpp: a Sequential model to and from checkpoint sections.
//
// Sections written (io/container.hpp holds them):
//   "architecture": text, one line per item, so a model is rebuilt from the file alone:
//        cadenza-architecture 1
//        dtype float32
//        seed 42
//        input 100 1
//        layer LSTM return_sequences=1 stateful=0 units=128
//        ...
//   "parameters":   u64 count, then count values of the model's dtype
//   "optimizer":    kind, settings, step count and each state tensor
// Applications add their own sections beside these (the music example adds its
// vocabulary, settings and epoch).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cadenza/io/container.hpp"
#include "cadenza/layers/dense.hpp"
#include "cadenza/layers/dropout.hpp"
#include "cadenza/layers/embedding.hpp"
#include "cadenza/layers/flatten.hpp"
#include "cadenza/layers/lstm.hpp"
#include "cadenza/model/sequential.hpp"

namespace cadenza::io {

template <class T>
const char* dtype_name() {
    return sizeof(T) == 4 ? "float32" : "float64";
}

template <class T>
std::string architecture_text(const Sequential<T>& m) {
    auto& model = const_cast<Sequential<T>&>(m);
    std::ostringstream s;
    s << "cadenza-architecture 1\n";
    s << "dtype " << dtype_name<T>() << "\n";
    s << "seed " << model.seed() << "\n";
    s << "input";
    for (int d = 0; d < model.input_shape().rank(); ++d) s << " " << model.input_shape()[d];
    s << "\n";
    for (size_t i = 0; i < model.size(); ++i) {
        s << "layer " << model.layer(i).kind();
        for (auto& [k, v] : model.layer(i).config()) s << " " << k << "=" << v;
        s << "\n";
    }
    return s.str();
}

// A layer from its kind and configuration, as architecture_text writes them.
template <class T>
std::unique_ptr<Layer<T>> make_layer(const std::string& kind, const LayerConfig& c,
                                     const std::string& where) {
    auto get = [&](const char* key) -> const std::string& {
        auto it = c.find(key);
        CADENZA_CHECK(it != c.end(), where, ": layer ", kind, " lacks its '", key, "' setting");
        return it->second;
    };
    auto integer = [&](const char* key) {
        const std::string& v = get(key);
        char* end = nullptr;
        long n = std::strtol(v.c_str(), &end, 10);
        CADENZA_CHECK(end && *end == '\0' && !v.empty() && n > 0 && n <= (1L << 20), where, ": layer ",
                      kind, " setting ", key, "=", v, " is not an integer in 1..1048576");
        return static_cast<int>(n);
    };
    if (kind == "LSTM") {
        typename Lstm<T>::Options o;
        o.units = integer("units");
        o.return_sequences = get("return_sequences") == "1";
        o.stateful = c.count("stateful") && c.at("stateful") == "1";
        return std::make_unique<Lstm<T>>(o);
    }
    if (kind == "Dense") return std::make_unique<Dense<T>>(integer("units"));
    if (kind == "Dropout") {
        const std::string& v = get("rate");
        char* end = nullptr;
        double r = std::strtod(v.c_str(), &end);
        CADENZA_CHECK(end && *end == '\0' && r >= 0 && r < 1, where, ": Dropout rate ", v,
                      " is not in [0, 1)");
        return std::make_unique<Dropout<T>>(r);
    }
    if (kind == "Flatten") return std::make_unique<Flatten<T>>();
    if (kind == "Embedding")
        return std::make_unique<Embedding<T>>(integer("input_dim"), integer("output_dim"));
    throw Error(where + ": unknown layer kind '" + kind + "'");
}

template <class T>
void save_parameters(Sequential<T>& m, Container& c) {
    const int64_t n = m.parameter_count();
    std::vector<T> host(static_cast<size_t>(n));
    m.backend().download(m.parameters().data(), host.data(), n);
    ByteWriter w;
    w.put<uint64_t>(uint64_t(n));
    w.put_bytes(host.data(), host.size() * sizeof(T));
    c.set("parameters", std::move(w.str()));
}

template <class T>
void load_parameters(Sequential<T>& m, const Container& c) {
    ByteReader r(c.get("parameters"), c.source() + " (parameters)");
    uint64_t n = r.get<uint64_t>("the parameter count");
    CADENZA_CHECK(n == uint64_t(m.parameter_count()), c.source(), ": the file holds ", n,
                  " parameters but the model has ", m.parameter_count());
    r.need_items(n, sizeof(T), "the parameter values");
    std::vector<T> host(static_cast<size_t>(n));
    r.get_bytes(host.data(), host.size() * sizeof(T), "the parameter values");
    m.backend().upload(host.data(), m.parameters().data(), int64_t(n));
}

template <class T>
void save_optimizer(Sequential<T>& m, Container& c) {
    Optimizer<T>& o = m.optimizer();
    ByteWriter w;
    w.put_string(o.kind());
    auto settings = o.settings();
    w.put<uint32_t>(uint32_t(settings.size()));
    for (auto& [k, v] : settings) {
        w.put_string(k);
        w.put<double>(v);
    }
    w.put<int64_t>(o.steps());
    auto state = o.state();
    w.put<uint32_t>(uint32_t(state.size()));
    for (auto& [name, t] : state) {
        w.put_string(name);
        std::vector<T> host(static_cast<size_t>(t->numel()));
        m.backend().download(t->data(), host.data(), t->numel());
        w.put<uint64_t>(uint64_t(t->numel()));
        w.put_bytes(host.data(), host.size() * sizeof(T));
    }
    c.set("optimizer", std::move(w.str()));
}

template <class T>
void load_optimizer(Sequential<T>& m, const Container& c) {
    ByteReader r(c.get("optimizer"), c.source() + " (optimizer)");
    std::string kind = r.get_string("the optimizer kind");
    uint32_t ns = r.get<uint32_t>("the optimizer setting count");
    AdamOptions a;
    for (uint32_t i = 0; i < ns; ++i) {
        std::string k = r.get_string("a setting name");
        double v = r.get<double>("a setting value");
        if (k == "lr") a.lr = v;
        else if (k == "beta1") a.beta1 = v;
        else if (k == "beta2") a.beta2 = v;
        else if (k == "eps") a.eps = v;
        else if (k == "clip_norm") a.clip_norm = v;
        else if (k == "weight_decay") a.weight_decay = v;  // absent in version-1 files: 0, Adam
    }
    CADENZA_CHECK(kind == "Adam", c.source(), ": optimizer '", kind, "' is not known to this build");
    m.set_optimizer(std::make_unique<Adam<T>>(a));
    int64_t steps = r.get<int64_t>("the optimizer step count");
    m.optimizer().set_steps(steps);
    uint32_t nt = r.get<uint32_t>("the optimizer state count");
    auto state = m.optimizer().state();
    CADENZA_CHECK(nt == state.size(), c.source(), ": optimizer state has ", nt, " tensors, expected ",
                  state.size());
    for (auto& [name, t] : state) {
        std::string got = r.get_string("a state tensor name");
        CADENZA_CHECK(got == name, c.source(), ": optimizer state '", got, "' where '", name,
                      "' was expected");
        uint64_t n = r.get<uint64_t>("a state tensor length");
        CADENZA_CHECK(n == uint64_t(t->numel()), c.source(), ": optimizer state '", name, "' holds ",
                      n, " values, the model needs ", t->numel());
        r.need_items(n, sizeof(T), "the optimizer state values");
        std::vector<T> host(static_cast<size_t>(n));
        r.get_bytes(host.data(), host.size() * sizeof(T), "the optimizer state values");
        m.backend().upload(host.data(), t->data(), int64_t(n));
    }
}

// Everything needed to rebuild and resume: architecture, parameters, optimizer.
template <class T>
void save_model(Sequential<T>& m, Container& c) {
    c.set("architecture", architecture_text(m));
    save_parameters(m, c);
    save_optimizer(m, c);
}

template <class T>
void save_model(Sequential<T>& m, const std::string& path) {
    Container c;
    save_model(m, c);
    c.save(path);
}

// Rebuild a model from its architecture section, then load its weights and
// (when present) its optimizer state.
template <class T>
std::unique_ptr<Sequential<T>> load_model(
    const Container& c, std::shared_ptr<Backend<T>> backend = std::make_shared<EigenBackend<T>>()) {
    std::istringstream in(c.get("architecture"));
    const std::string where = c.source() + " (architecture)";
    std::string line;
    CADENZA_CHECK(std::getline(in, line) && line == "cadenza-architecture 1", where,
                  ": line 1: expected 'cadenza-architecture 1'");
    auto model = std::make_unique<Sequential<T>>(backend);
    Shape input;
    uint64_t seed = 0;
    bool have_input = false;
    int line_no = 1;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty()) continue;
        std::istringstream ls(line);
        std::string key;
        ls >> key;
        const std::string at = where + ": line " + std::to_string(line_no);
        if (key == "dtype") {
            std::string d;
            ls >> d;
            CADENZA_CHECK(d == dtype_name<T>(), at, ": the model was saved as ", d,
                          " but is being loaded as ", dtype_name<T>());
        } else if (key == "seed") {
            ls >> seed;
        } else if (key == "input") {
            int64_t d;
            while (ls >> d) {
                CADENZA_CHECK(d >= 1 && d <= (int64_t(1) << 20), at, ": input dimension ", d, " is outside 1..",
                              int64_t(1) << 20);
                CADENZA_CHECK(input.rank() < Shape::max_rank, at, ": more than ", Shape::max_rank,
                              " input dimensions");
                input.push_back(d);
            }
            have_input = true;
        } else if (key == "layer") {
            std::string kind, kv;
            ls >> kind;
            LayerConfig cfg;
            while (ls >> kv) {
                auto eq = kv.find('=');
                CADENZA_CHECK(eq != std::string::npos, at, ": expected key=value, got '", kv, "'");
                cfg[kv.substr(0, eq)] = kv.substr(eq + 1);
            }
            model->add_layer(make_layer<T>(kind, cfg, at));
        } else {
            throw Error(at + ": unknown entry '" + key + "'");
        }
    }
    CADENZA_CHECK(have_input && input.rank() > 0, where, ": no 'input' line");
    CADENZA_CHECK(model->size() > 0, where, ": no layers");
    // The parameters section says how many values it holds; the layers must
    // give exactly that many before anything is allocated for them.
    ByteReader counted(c.get("parameters"), c.source() + " (parameters)");
    const uint64_t stored = counted.get<uint64_t>("the parameter count");
    CADENZA_CHECK(stored == (counted.remaining() / sizeof(T)) && counted.remaining() % sizeof(T) == 0, c.source(),
                  ": the parameters section announces ", stored, " values but holds ", counted.remaining(),
                  " bytes");
    try {
        model->build(input, seed, int64_t(stored));
    } catch (const Error& e) {
        throw Error(where + ": " + e.what());
    }
    load_parameters(*model, c);
    if (c.has("optimizer")) load_optimizer(*model, c);
    return model;
}

template <class T>
std::unique_ptr<Sequential<T>> load_model(
    const std::string& path,
    std::shared_ptr<Backend<T>> backend = std::make_shared<EigenBackend<T>>()) {
    return load_model<T>(Container::load(path), std::move(backend));
}

}  // namespace cadenza::io
