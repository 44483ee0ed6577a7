// cadenza/cuda/graph_step.hpp: a model's forward pass at fixed shapes as one CUDA Graph.
//
// Generation at batch 1 runs the same forward again and again on tiny shapes
// (one token for the stream model, one window for the paper's model), so the
// time goes to launching its dozens of kernels and GEMMs, not to running them.
// GraphForward records the forward once and then replays it with one launch:
//
//   GraphForward<float> step(model, x);   // x: the input tensor, in device memory
//   for (...) {
//       backend.upload(host, x.data(), n);     // new input, same memory
//       const Tensor<float>& z = step.run();   // = model.forward(x, Mode::infer)
//   }
//
// The first run() is an ordinary forward (it allocates the layers' caches, at
// these shapes, for good); the second records a forward (which runs nothing)
// and launches it; later runs launch the recording. Each run() is exactly one
// forward, so a stateful model's carried state advances once per call, as it
// would without the graph. The recording bakes in every pointer: x must keep
// its memory and shape, and the model must not be used at other shapes in
// between (that would reallocate its caches); call reset() after such use.
#pragma once

#include "cadenza/cuda/cuda_backend.hpp"
#include "cadenza/model/sequential.hpp"

namespace cadenza::cuda {

template <class T>
class GraphForward {
public:
    GraphForward(Sequential<T>& model, Tensor<T>& x) : model_(model), x_(x.share()) {
        backend_ = dynamic_cast<CudaBackend<T>*>(&model.backend());
        CADENZA_CHECK(backend_ != nullptr, "GraphForward needs a model on a CudaBackend, not on ",
                      model.backend().name());
        CADENZA_CHECK(x.device() == Device::cuda, "GraphForward's input must be in device memory");
    }

    // One inference forward of the model on x; returns the last layer's output
    // (device memory, valid until the next run). Queued on the backend's stream.
    const Tensor<T>& run() {
        if (runs_ == 0) {
            out_ = &model_.forward(x_, Mode::infer);
        } else {
            if (!graph_.captured())
                graph_.capture(backend_->stream(), [&] { out_ = &model_.forward(x_, Mode::infer); });
            graph_.launch();
        }
        ++runs_;
        return *out_;
    }

    // Forget the recording (the next run() is an ordinary forward again).
    void reset() {
        graph_ = CudaGraphHolder();
        runs_ = 0;
    }

private:
    // CudaGraph is neither copyable nor movable; hold it by pointer to reset it.
    struct CudaGraphHolder {
        std::unique_ptr<CudaGraph> g = std::make_unique<CudaGraph>();
        bool captured() const { return g->captured(); }
        void capture(CUstream_st* s, const std::function<void()>& fn) { g->capture(s, fn); }
        void launch() { g->launch(); }
    };

    Sequential<T>& model_;
    Tensor<T> x_;
    CudaBackend<T>* backend_ = nullptr;
    CudaGraphHolder graph_;
    const Tensor<T>* out_ = nullptr;
    long long runs_ = 0;
};

}  // namespace cadenza::cuda
