// cadenza/layers/layer.hpp: what every layer is, and the one gradient rule.
//
// A layer has a forward and a hand-written backward side by side. The forward
// fills an explicit cache (its output included) that the backward takes back,
// so there is no hidden coupling between calls.
//
// The gradient rule, for every layer: parameter gradients ACCUMULATE (+=) into
// the flat gradient buffer; input gradients OVERWRITE (=) dx.
//
// Shapes: a batch of sequences is [T, B, F]; a batch of vectors is [B, F].
// A per-sample shape leaves the batch out: {T, F} for a sequence, {F} for a vector.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cadenza/backend/backend.hpp"
#include "cadenza/core/philox.hpp"
#include "cadenza/core/tensor.hpp"

namespace cadenza {

enum class Mode { train, infer };

// What a forward pass needs besides its input.
struct ForwardContext {
    Mode mode = Mode::infer;
    uint64_t seed = 0;  // the run's seed (dropout masks)
    uint64_t step = 0;  // the optimizer step about to be taken (dropout masks)
    // Where this batch's rows sit in a larger, global batch (data-parallel
    // micro-batches, dist/data_parallel.hpp): its first row there, and the
    // global batch's rows (0: this batch is the whole batch). Dropout keys
    // its masks by the global row, so they do not depend on how it is cut.
    int64_t row_offset = 0;
    int64_t global_rows = 0;
};

// A layer's saved state between forward and backward. Each layer derives its own.
template <class T>
struct LayerCache {
    virtual ~LayerCache() = default;
    Tensor<T> y;  // the forward's output
};

// A layer's configuration as key=value pairs, for summaries and checkpoints.
using LayerConfig = std::map<std::string, std::string>;

template <class T>
class Layer {
public:
    virtual ~Layer() = default;

    // "LSTM", "Dense", ...: the kind, as Keras names it.
    virtual std::string kind() const = 0;
    virtual LayerConfig config() const = 0;

    // Fix the input's per-sample shape; returns the output's. Called once.
    virtual Shape build(const Shape& input) = 0;
    virtual int64_t parameter_count() const { return 0; }
    // Point the layer at its slices of the flat parameter and gradient buffers.
    virtual void bind(T* /*params*/, T* /*grads*/) {}
    // Write initial values into host memory laid out like the layer's slice.
    virtual void initialize(T* /*host_params*/, uint64_t /*seed*/) const {}

    virtual std::unique_ptr<LayerCache<T>> make_cache() const {
        return std::make_unique<LayerCache<T>>();
    }
    virtual const Tensor<T>& forward(const Tensor<T>& x, LayerCache<T>& cache,
                                     const ForwardContext& ctx) = 0;
    // dx may be null when the input needs no gradient (the first layer).
    virtual void backward(const Tensor<T>& dy, LayerCache<T>& cache, Tensor<T>* dx) = 0;

    // Carried state (stateful recurrent layers); nothing for the others.
    virtual void reset_state() {}
    // The tensors of that state (empty when nothing is carried yet), for a
    // trainer that runs several lanes of micro-batches through one layer and
    // swaps each lane's state in and out.
    virtual std::vector<Tensor<T>*> carried_state() { return {}; }

    void attach(Backend<T>* backend, uint32_t index) {
        backend_ = backend;
        index_ = index;
    }
    uint32_t index() const { return index_; }
    const Shape& input_shape() const { return input_shape_; }
    const Shape& output_shape() const { return output_shape_; }

protected:
    Backend<T>& be() const { return *backend_; }

    // A cache tensor of the given shape, reused when it already has it.
    Tensor<T>& ensure(Tensor<T>& t, const Shape& s) const {
        if (t.shape() != s || t.device() != backend_->device() || t.data() == nullptr)
            t = backend_->zeros(s);
        return t;
    }

    Backend<T>* backend_ = nullptr;
    uint32_t index_ = 0;
    Shape input_shape_, output_shape_;
};

// Rows of a batch tensor: everything but the last axis (T*B for [T,B,F]).
template <class T>
int64_t rows_of(const Tensor<T>& x) {
    return x.numel() / (x.rank() ? x.shape().back() : 1);
}

}  // namespace cadenza
