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
// Layers and optimizers are rebuilt by kind through their registries
// (layers/registry.hpp, optim/registry.hpp), so a kind of the user's own,
// registered before loading, saves and loads like a built-in one.
// Applications add their own sections beside these (the music example adds its
// vocabulary, settings and epoch).
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cadenza/io/container.hpp"
#include "cadenza/layers/registry.hpp"
#include "cadenza/model/sequential.hpp"
#include "cadenza/optim/registry.hpp"

namespace cadenza::io {

template <class T>
const char* dtype_name() {
    return sizeof(T) == 4 ? "float32" : "float64";
}

template <class T>
std::string architecture_text(const Sequential<T>& model) {
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
std::unique_ptr<Layer<T>> make_layer(const std::string& kind, const LayerConfig& c, const std::string& where) {
    return layer_registry<T>().make(kind, LayerSettings(kind, c, where), where);
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
    const std::string where = c.source() + " (optimizer)";
    ByteReader r(c.get("optimizer"), where);
    std::string kind = r.get_string("the optimizer kind");
    uint32_t ns = r.get<uint32_t>("the optimizer setting count");
    OptimizerSettings settings;
    for (uint32_t i = 0; i < ns; ++i) {
        std::string k = r.get_string("a setting name");
        settings[k] = r.get<double>("a setting value");
    }
    std::unique_ptr<Optimizer<T>> opt;
    try {
        opt = optimizer_registry<T>().make(kind, settings, where);
    } catch (const Error& e) {
        const std::string what = e.what();
        throw Error(what.rfind(where, 0) == 0 ? what : where + ": " + what);
    }
    m.set_optimizer(std::move(opt));
    int64_t steps = r.get<int64_t>("the optimizer step count");
    CADENZA_CHECK(steps >= 0, where, ": negative step count ", steps);
    m.optimizer().set_steps(steps);
    uint32_t nt = r.get<uint32_t>("the optimizer state count");
    auto state = m.optimizer().state();
    CADENZA_CHECK(nt == state.size(), where, ": optimizer state has ", nt, " tensors, expected ", state.size());
    for (auto& [name, t] : state) {
        std::string got = r.get_string("a state tensor name");
        CADENZA_CHECK(got == name, where, ": optimizer state '", got, "' where '", name, "' was expected");
        uint64_t n = r.get<uint64_t>("a state tensor length");
        CADENZA_CHECK(n == uint64_t(t->numel()), where, ": optimizer state '", name, "' holds ", n,
                      " values, the model needs ", t->numel());
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
