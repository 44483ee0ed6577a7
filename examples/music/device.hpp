// examples/music/device.hpp: `--device cpu|cuda`: the backend a command computes on.
//
// cpu is the Eigen backend with the given threads; cuda is the CUDA backend on
// device 0, available when the application was built with cadenza::cuda
// (CADENZA_HAVE_CUDA). The models and checkpoints are the same on both.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cadenza/backend/eigen_backend.hpp"
#include "cadenza/model/sequential.hpp"
#ifdef CADENZA_HAVE_CUDA
#include "cadenza/cuda/cuda_backend.hpp"
#include "cadenza/cuda/graph_step.hpp"
#endif

namespace cadenza::app {

inline std::shared_ptr<Backend<float>> make_backend(const std::string& device, int threads) {
    if (device == "cpu") return std::make_shared<EigenBackend<float>>(threads);
    if (device == "cuda") {
#ifdef CADENZA_HAVE_CUDA
        return std::make_shared<CudaBackend<float>>(0);
#else
        throw Error("--device cuda: this build has no CUDA backend (build where CMake finds nvcc, "
                    "with CADENZA_WITH_CUDA=ON)");
#endif
    }
    throw Error("--device must be cpu or cuda, got '" + device + "'");
}

// "8 threads" on the CPU, "cuda (NVIDIA H100 80GB HBM3)" on a GPU.
inline std::string describe_backend(Backend<float>& b) {
    if (auto* e = dynamic_cast<EigenBackend<float>*>(&b)) return std::to_string(e->threads()) + " threads";
#ifdef CADENZA_HAVE_CUDA
    if (auto* c = dynamic_cast<CudaBackend<float>*>(&b))
        return std::string("cuda (") + cuda_device_name(c->device_index()) + ")";
#endif
    return b.name();
}

// One inference forward of `model` on `x` (which must outlive the runner, its
// memory and shape fixed while the runner is used): replayed as a CUDA Graph on a GPU, where batch-1
// generation is bound by kernel launches; an ordinary forward on the CPU.
inline std::function<const Tensor<float>&()> forward_runner(Sequential<float>& model, const Tensor<float>& x) {
#ifdef CADENZA_HAVE_CUDA
    if (dynamic_cast<CudaBackend<float>*>(&model.backend()) != nullptr) {
        auto graph = std::make_shared<GraphForward<float>>(model, x);
        return [graph]() -> const Tensor<float>& { return graph->run(); };
    }
#endif
    // By address: a captured Tensor would be a deep copy, frozen at today's input.
    const Tensor<float>* input = &x;
    return [&model, input]() -> const Tensor<float>& { return model.forward(*input, Mode::infer); };
}

}  // namespace cadenza::app
