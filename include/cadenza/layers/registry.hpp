// cadenza/layers/registry.hpp: layer kinds by name, for checkpoints.
//
// A checkpoint's architecture section names each layer by kind() with its
// config() as key=value pairs; load_model (io/model_io.hpp) asks this registry
// for a layer of that kind. The built-in kinds are registered on first use; a
// layer of your own joins with one call (docs/extending.md):
//
//   layer_registry<float>().add("Scale", [](const LayerSettings& s) {
//       return std::make_unique<Scale<float>>(s.real("factor"));
//   });
#pragma once

#include <cstdlib>
#include <string>

#include "cadenza/core/registry.hpp"
#include "cadenza/layers/dense.hpp"
#include "cadenza/layers/dropout.hpp"
#include "cadenza/layers/embedding.hpp"
#include "cadenza/layers/flatten.hpp"
#include "cadenza/layers/gru.hpp"
#include "cadenza/layers/lstm.hpp"

namespace cadenza {

// A layer's config() as read back from a file, with typed getters whose
// errors name the file, the line, the layer and the setting.
class LayerSettings {
public:
    LayerSettings(std::string kind, LayerConfig config, std::string where)
        : kind_(std::move(kind)), config_(std::move(config)), where_(std::move(where)) {}

    const std::string& kind() const { return kind_; }
    const LayerConfig& config() const { return config_; }
    const std::string& where() const { return where_; }
    bool has(const std::string& key) const { return config_.count(key) > 0; }

    const std::string& text(const std::string& key) const {
        auto it = config_.find(key);
        CADENZA_CHECK(it != config_.end(), where_, ": layer ", kind_, " lacks its '", key, "' setting");
        return it->second;
    }
    // An integer in [lo, hi].
    int integer(const std::string& key, long lo = 1, long hi = 1L << 20) const {
        const std::string& v = text(key);
        char* end = nullptr;
        long n = std::strtol(v.c_str(), &end, 10);
        CADENZA_CHECK(!v.empty() && end && *end == '\0' && n >= lo && n <= hi, where_, ": layer ", kind_,
                      " setting ", key, "=", v, " is not an integer in ", lo, "..", hi);
        return static_cast<int>(n);
    }
    // A finite number in [lo, hi).
    double real(const std::string& key, double lo = -1e300, double hi = 1e300) const {
        const std::string& v = text(key);
        char* end = nullptr;
        double r = std::strtod(v.c_str(), &end);
        CADENZA_CHECK(!v.empty() && end && *end == '\0' && r >= lo && r < hi, where_, ": layer ", kind_,
                      " setting ", key, "=", v, " is not a number in [", lo, ", ", hi, ")");
        return r;
    }
    // 0 or 1; `fallback` when absent (a setting added after files were written).
    bool flag(const std::string& key, bool fallback) const {
        if (!has(key)) return fallback;
        const std::string& v = text(key);
        CADENZA_CHECK(v == "0" || v == "1", where_, ": layer ", kind_, " setting ", key, "=", v, " is not 0 or 1");
        return v == "1";
    }

private:
    std::string kind_;
    LayerConfig config_;
    std::string where_;
};

template <class T>
using LayerRegistry = Registry<Layer<T>, LayerSettings>;

// An LSTM or a GRU from its units, return_sequences and stateful settings
// (stateful absent in files written before it: off).
template <class L>
std::unique_ptr<L> recurrent_layer(const LayerSettings& s) {
    typename L::Options o;
    o.units = s.integer("units");
    o.return_sequences = s.flag("return_sequences", true);
    o.stateful = s.flag("stateful", false);
    return std::make_unique<L>(o);
}

// The built-in layers, as kind() and config() write them.
template <class T>
void add_builtin_layers(LayerRegistry<T>& r) {
    r.add("LSTM", [](const LayerSettings& s) { return recurrent_layer<Lstm<T>>(s); });
    r.add("GRU", [](const LayerSettings& s) { return recurrent_layer<Gru<T>>(s); });
    r.add("Dense", [](const LayerSettings& s) { return std::make_unique<Dense<T>>(s.integer("units")); });
    r.add("Dropout", [](const LayerSettings& s) { return std::make_unique<Dropout<T>>(s.real("rate", 0, 1)); });
    r.add("Flatten", [](const LayerSettings&) { return std::make_unique<Flatten<T>>(); });
    r.add("Embedding", [](const LayerSettings& s) {
        return std::make_unique<Embedding<T>>(s.integer("input_dim"), s.integer("output_dim"));
    });
}

// The process's layer registry for element type T, built-ins included.
template <class T>
LayerRegistry<T>& layer_registry() {
    return process_registry<LayerRegistry<T>, &add_builtin_layers<T>>("layer");
}

}  // namespace cadenza
