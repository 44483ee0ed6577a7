// examples/music/device.hpp: `--device cpu|cuda`: the backend a command computes on.
//
// cpu is the Eigen backend with the given threads; cuda is the CUDA backend on
// device 0, available when the application was built with cadenza::cuda
// (CADENZA_HAVE_CUDA). The models and checkpoints are the same on both.
#pragma once

#include <memory>
#include <string>

#include "cadenza/backend/eigen_backend.hpp"
#ifdef CADENZA_HAVE_CUDA
#include "cadenza/cuda/cuda_backend.hpp"
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

}  // namespace cadenza::app
