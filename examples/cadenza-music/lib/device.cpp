// examples/cadenza-music/lib/device.cpp: see device.hpp.
#include "device.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "cadenza/backend/eigen_backend.hpp"
#ifdef CADENZA_HAVE_CUDA
#include "cadenza/cuda/cuda_backend.hpp"
#include "cadenza/cuda/graph_step.hpp"
#endif

namespace cadenza::app {

const char* device_name(Device device) { return device == Device::cpu ? "cpu" : "cuda"; }

Device parse_device(const std::string& name, const std::string& where) {
    if (name == "cpu") return Device::cpu;
    if (name == "cuda") return Device::cuda;
    throw Error(where + ": unknown device '" + name + "' (expected cpu or cuda)");
}

std::shared_ptr<Backend<float>> make_backend(Device device, int threads, int gpu) {
    // Far more threads than cores only thrash (4096 on 2 cores ran 100 times
    // slower): at most four per core.
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    if (threads > 4 * cores) {
        std::fprintf(stderr, "notice: --threads %d on %d cores; using %d\n", threads, cores, 4 * cores);
        threads = 4 * cores;
    }
    if (device == Device::cpu) return std::make_shared<EigenBackend<float>>(threads);
#ifdef CADENZA_HAVE_CUDA
    return std::make_shared<cuda::CudaBackend<float>>(gpu % std::max(1, cuda::cuda_device_count()));
#else
    throw Error(
        "--device cuda: this build has no CUDA backend (build where CMake finds nvcc, "
        "with CADENZA_WITH_CUDA=ON)");
#endif
}

std::string describe_backend(Backend<float>& b) {
    if (auto* e = dynamic_cast<EigenBackend<float>*>(&b))
        return std::to_string(e->threads()) + " threads";
#ifdef CADENZA_HAVE_CUDA
    if (auto* c = dynamic_cast<cuda::CudaBackend<float>*>(&b))
        return std::string("cuda (") + cuda::cuda_device_name(c->device_index()) + ")";
#endif
    return b.name();
}

std::function<const Tensor<float>&()> forward_runner(Sequential<float>& model,
                                                     Tensor<float>& x) {
#ifdef CADENZA_HAVE_CUDA
    if (dynamic_cast<cuda::CudaBackend<float>*>(&model.backend()) != nullptr) {
        auto graph = std::make_shared<cuda::GraphForward<float>>(model, x);
        return [graph]() -> const Tensor<float>& { return graph->run(); };
    }
#endif
    // By address: a captured Tensor would be a deep copy, frozen at today's input.
    const Tensor<float>* input = &x;
    return [&model, input]() -> const Tensor<float>& { return model.forward(*input, Mode::infer); };
}

}  // namespace cadenza::app
