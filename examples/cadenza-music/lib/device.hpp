// examples/cadenza-music/lib/device.hpp: `--device cpu|cuda`: the backend a command computes on.
//
// cpu is the Eigen backend with the given threads; cuda is the CUDA backend on
// device 0, available when the application was built with cadenza::cuda
// (CADENZA_HAVE_CUDA). The models and checkpoints are the same on both.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cadenza/backend/backend.hpp"
#include "cadenza/model/sequential.hpp"

namespace cadenza::app {

enum class Device { cpu, cuda };
const char* device_name(Device device);
Device parse_device(const std::string& name, const std::string& where);

// cuda: GPU number `gpu` modulo the GPUs there are (each rank of a machine its own).
std::shared_ptr<Backend<float>> make_backend(Device device, int threads, int gpu = 0);

// "8 threads" on the CPU, "cuda (NVIDIA H100 80GB HBM3)" on a GPU.
std::string describe_backend(Backend<float>& backend);

// One inference forward of `model` on `x` (which must outlive the runner, its
// memory and shape fixed while the runner is used): replayed as a CUDA Graph
// on a GPU, where batch-1 generation is bound by kernel launches; an ordinary
// forward on the CPU.
std::function<const Tensor<float>&()> forward_runner(Sequential<float>& model,
                                                     Tensor<float>& x);

}  // namespace cadenza::app
