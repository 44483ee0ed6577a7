// cadenza/core/registry.hpp: a table of named factories, the way a checkpoint
// turns a kind written as text ("LSTM", "Adam") back into an object.
//
// Layers (layers/registry.hpp) and optimizers (optim/registry.hpp) each have
// one per element type, holding the built-in kinds; a user's own kind joins it
// from the user's code, with no change to Cadenza:
//
//   cadenza::layer_registry<float>().add("Scale", [](const cadenza::LayerSettings& s) {
//       return std::make_unique<Scale<float>>(s.real("factor"));
//   });
//
// Adding and looking up are safe from several threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cadenza/error.hpp"

namespace cadenza {

template <class Product, class Input>
class Registry {
public:
    using Factory = std::function<std::unique_ptr<Product>(const Input&)>;

    // `what` names the products in messages ("layer", "optimizer").
    explicit Registry(std::string what) : what_(std::move(what)) {}

    // Registers `kind`. A kind already present is an error unless `replace`.
    void add(const std::string& kind, Factory factory, bool replace = false) {
        CADENZA_CHECK(!kind.empty() && kind.find_first_of(" \t\n=") == std::string::npos, "a ", what_,
                      " kind must be one word without '=', got '", kind, "'");
        CADENZA_CHECK(static_cast<bool>(factory), "the factory of ", what_, " kind '", kind, "' is empty");
        std::lock_guard<std::mutex> lock(mutex_);
        CADENZA_CHECK(replace || !factories_.count(kind), "a ", what_, " kind '", kind,
                      "' is already registered (pass replace = true to replace it)");
        factories_[kind] = std::move(factory);
    }
    bool has(const std::string& kind) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return factories_.count(kind) > 0;
    }
    // The registered kinds, sorted.
    std::vector<std::string> kinds() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> k;
        for (auto& [name, f] : factories_) k.push_back(name);
        return k;
    }
    // A new object of `kind`; `where` (a file and position) starts the error
    // message when the kind is unknown.
    std::unique_ptr<Product> make(const std::string& kind, const Input& input, const std::string& where) const {
        Factory f;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = factories_.find(kind);
            if (it == factories_.end()) {
                std::string known;
                for (auto& [name, g] : factories_) known += (known.empty() ? "" : ", ") + name;
                throw Error(where + ": unknown " + what_ + " kind '" + kind + "' (this program knows " + known +
                            "; register a kind of your own with add())");
            }
            f = it->second;
        }
        auto product = f(input);
        CADENZA_CHECK(product != nullptr, where, ": the factory of ", what_, " kind '", kind, "' returned nothing");
        return product;
    }

private:
    std::string what_;
    mutable std::mutex mutex_;
    std::map<std::string, Factory> factories_;
};

// The process's registry of type R: built on first use (thread-safe), filled
// by `Builtins`, kept until the process ends.
template <class R, void (*Builtins)(R&)>
R& process_registry(const char* what) {
    static struct Holder {
        R registry;
        explicit Holder(const char* w) : registry(w) { Builtins(registry); }
    } holder(what);
    return holder.registry;
}

}  // namespace cadenza
