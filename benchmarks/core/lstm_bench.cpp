// benchmarks/core/lstm_bench.cpp: Google Benchmark suite for the CPU path.
//
// LSTM forward (the forward-only path of inference: Mode::infer keeps no
// gates for a backward) and forward+backward, the products those passes run,
// single steps at batch 1 (generation), and whole training steps of the
// paper's model and of the stream model. Each reports GFLOP/s (2 flops per
// multiply-add of the GEMMs) and its share of the measured FMA peak.
//
//   build/bin/cadenza-bench --benchmark_filter=Lstm
#include <benchmark/benchmark.h>

#include "cadenza/cadenza.hpp"
#include "bench_common.hpp"

using namespace cadenza;

namespace {

using bench::lstm_forward_flops;
using bench::random_tensor;
using bench::report_flops;

// One LSTM layer with its buffers.
struct LstmRig {
    std::shared_ptr<EigenBackend<float>> be = std::make_shared<EigenBackend<float>>();
    Lstm<float> lstm;
    Tensor<float> params, grads, x, dy, dx;
    std::unique_ptr<LayerCache<float>> cache;
    LstmRig(int T, int B, int I, int H) : lstm(H, true) {
        lstm.attach(be.get(), 0);
        lstm.build({T, I});
        params = Tensor<float>({lstm.parameter_count()});
        grads = Tensor<float>({lstm.parameter_count()});
        lstm.bind(params.data(), grads.data());
        lstm.initialize(params.data(), 1);
        x = random_tensor({T, B, I}, 2);
        dy = random_tensor({T, B, H}, 3);
        cache = lstm.make_cache();
    }
};

void LstmForward(benchmark::State& state) {
    const int T = int(state.range(0)), B = int(state.range(1)), I = int(state.range(2)),
              H = int(state.range(3));
    LstmRig rig(T, B, I, H);
    for (auto _ : state) benchmark::DoNotOptimize(rig.lstm.forward(rig.x, *rig.cache, {}).data());
    report_flops(state, lstm_forward_flops(T, B, I, H));
}

void LstmForwardBackward(benchmark::State& state) {
    const int T = int(state.range(0)), B = int(state.range(1)), I = int(state.range(2)),
              H = int(state.range(3));
    LstmRig rig(T, B, I, H);
    for (auto _ : state) {
        rig.lstm.forward(rig.x, *rig.cache, {Mode::train, 0, 0});
        rig.lstm.backward(rig.dy, *rig.cache, &rig.dx);
        benchmark::DoNotOptimize(rig.dx.data());
    }
    // The backward's GEMMs are twice the forward's (eq. 13-15, 17).
    report_flops(state, 3 * lstm_forward_flops(T, B, I, H));
}

// One product of the shapes the LSTM's passes run, through the backend:
// args ta, tb (0 or 1), M, N, K. C = op(A) . op(B) (+ C when accumulating).
void Gemm(benchmark::State& state) {
    const Trans ta = state.range(0) ? Trans::yes : Trans::no, tb = state.range(1) ? Trans::yes : Trans::no;
    const int M = int(state.range(2)), N = int(state.range(3)), K = int(state.range(4));
    EigenBackend<float> be;
    Tensor<float> A = random_tensor({int64_t(M) * K}, 5), B = random_tensor({int64_t(K) * N}, 6),
                  C({int64_t(M) * N});
    const int lda = ta == Trans::no ? K : M, ldb = tb == Trans::no ? N : K;
    for (auto _ : state) {
        be.gemm(ta, tb, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, 1.0f, C.data(), N);
        benchmark::DoNotOptimize(C.data());
    }
    report_flops(state, 2.0 * M * N * K);
}

void LstmStepBatch1(benchmark::State& state) {
    const int H = int(state.range(0)), I = H;
    LstmRig rig(1, 1, I, H);
    Tensor<float> h({1, H}), c({1, H}), gates({1, 4 * H});
    for (auto _ : state) {
        rig.lstm.step(rig.x.data(), 1, h.data(), c.data(), gates.data());
        benchmark::DoNotOptimize(h.data());
    }
    report_flops(state, lstm_forward_flops(1, 1, I, H));
}

// The paper's model (Fig. 7) at batch 128, vocabulary 373: forward, backward, Adam.
void PaperTrainStep(benchmark::State& state) {
    const int B = int(state.range(0)), V = 373, T = 100;
    Sequential<float> m;
    m.add<Lstm<float>>(128, true);
    m.add<Dropout<float>>(0.3);
    m.add<Lstm<float>>(128, true);
    m.add<Flatten<float>>();
    m.add<Dense<float>>(256);
    m.add<Dropout<float>>(0.3);
    m.add<Dense<float>>(V);
    m.build({T, 1}, 1);
    Tensor<float> x = random_tensor({T, B, 1}, 4);
    std::vector<int32_t> y(static_cast<size_t>(B), 0);
    for (int b = 0; b < B; ++b) y[size_t(b)] = (b * 7) % V;
    for (auto _ : state) benchmark::DoNotOptimize(m.train_batch(x, y.data()).loss_sum);
    double flops = 3 * (lstm_forward_flops(T, B, 1, 128) + lstm_forward_flops(T, B, 128, 128) +
                        2.0 * B * 12800 * 256 + 2.0 * B * 256 * V);
    report_flops(state, flops);
}

// The stream model (Embedding 64, LSTM 256, LSTM 256, Dense V at every step) at
// batch 128, windows of 100, V = 374: forward, backward, Adam.
void StreamTrainStep(benchmark::State& state) {
    const int B = int(state.range(0)), V = 374, T = 100, E = 64, H = 256;
    Sequential<float> m;
    typename Lstm<float>::Options o;
    o.units = H;
    o.stateful = true;
    m.add<Embedding<float>>(V, E);
    m.add<Lstm<float>>(o);
    m.add<Lstm<float>>(o);
    m.add<Dense<float>>(V);
    m.build({T, 1}, 1);
    Tensor<float> x({T, B, 1});
    std::vector<int32_t> y(static_cast<size_t>(T) * B, 0);
    for (int64_t i = 0; i < x.numel(); ++i) {
        x[i] = float((i * 13) % V);
        y[size_t(i)] = int32_t((i * 7) % V);
    }
    for (auto _ : state) benchmark::DoNotOptimize(m.train_batch(x, y.data()).loss_sum);
    double flops = 3 * (lstm_forward_flops(T, B, E, H) + lstm_forward_flops(T, B, H, H) +
                        2.0 * T * B * H * V);
    report_flops(state, flops);
}

}  // namespace

BENCHMARK(StreamTrainStep)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(LstmForward)->Args({100, 64, 128, 128})->Args({100, 128, 128, 128})->Args({100, 128, 256, 256})->Args({100, 64, 512, 512})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(LstmForwardBackward)->Args({100, 128, 128, 128})->Args({100, 128, 256, 256})
    ->Args({100, 64, 512, 512})->Unit(benchmark::kMillisecond)->UseRealTime();
// H = 512, B = 64, T = 100: input projection X . W_ih^T, weight gradient
// dG^T . X, input gradient dG . W_ih.
BENCHMARK(Gemm)->Args({0, 1, 6400, 2048, 512})->Args({1, 0, 2048, 512, 6400})->Args({0, 0, 6400, 512, 2048})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(LstmStepBatch1)->Arg(128)->Arg(256)->Arg(512)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(PaperTrainStep)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();
