// benchmarks/core/gru_bench.cpp: the GRU layer on the CPU path, forward and
// forward+backward, at the shapes of the LSTM's cases (benchmarks/compare_pytorch.py
// runs PyTorch's GRU beside it).
//
//   build/bin/cadenza-bench --benchmark_filter=Gru
#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "cadenza/cadenza.hpp"

using namespace cadenza;

namespace {

using bench::random_tensor;
using bench::report_flops;

// 2 flops per multiply-add of X . W_ih^T and h . W_hh^T (3 gates); the
// backward's GEMMs are twice that (eq. 28-30, 32).
double gru_forward_flops(double T, double B, double I, double H) { return 2 * T * B * 3 * H * (I + H); }

struct GruRig {
    std::shared_ptr<EigenBackend<float>> be = std::make_shared<EigenBackend<float>>();
    Gru<float> gru;
    Tensor<float> params, grads, x, dy, dx;
    std::unique_ptr<LayerCache<float>> cache;
    GruRig(int T, int B, int I, int H) : gru(H, true) {
        gru.attach(be.get(), 0);
        gru.build({T, I});
        params = Tensor<float>({gru.parameter_count()});
        grads = Tensor<float>({gru.parameter_count()});
        gru.bind(params.data(), grads.data());
        gru.initialize(params.data(), 1);
        x = random_tensor({T, B, I}, 2);
        dy = random_tensor({T, B, H}, 3);
        cache = gru.make_cache();
    }
};

void GruForward(benchmark::State& state) {
    const int T = int(state.range(0)), B = int(state.range(1)), I = int(state.range(2)), H = int(state.range(3));
    GruRig rig(T, B, I, H);
    for (auto _ : state) benchmark::DoNotOptimize(rig.gru.forward(rig.x, *rig.cache, {}).data());
    report_flops(state, gru_forward_flops(T, B, I, H));
}

void GruForwardBackward(benchmark::State& state) {
    const int T = int(state.range(0)), B = int(state.range(1)), I = int(state.range(2)), H = int(state.range(3));
    GruRig rig(T, B, I, H);
    for (auto _ : state) {
        rig.gru.forward(rig.x, *rig.cache, {Mode::train, 0, 0});
        rig.gru.backward(rig.dy, *rig.cache, &rig.dx);
        benchmark::DoNotOptimize(rig.dx.data());
    }
    report_flops(state, 3 * gru_forward_flops(T, B, I, H));
}

}  // namespace

BENCHMARK(GruForward)->Args({100, 128, 128, 128})->Args({100, 64, 512, 512})->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(GruForwardBackward)->Args({100, 128, 128, 128})->Args({100, 64, 512, 512})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
