// cadenza-cuda-bench: timings of the CUDA backend, by CUDA events on its stream.
//
//   cadenza-cuda-bench [--quick]
//
// Cases (each line "bench,<case>,<milliseconds>", then a readable table):
//   lstm_fwd / lstm_fwdbwd at (T=100, B=128, H=128) and (T=100, B=64, H=512),
//     input size = H (benchmarks/cuda/compare_torch_cuda.py runs cuDNN on the same);
//   lstm_step_plain / lstm_step_graph: one batch-1 Lstm::step, launched call by
//     call or replayed as one CUDA Graph;
//   stream_token_plain / stream_token_graph: one token of the stream model
//     (Embedding 64, LSTM 256 x2, Dense V=373) at batch 1;
//   paper_train_step: one training step of the paper's model (T=100, B=128);
//   paper_generate_500_plain / _graph: 500 tokens the paper's way (each token
//     re-runs the 100-token window), logits read back for the argmax each time.
// Without a device it says so and exits 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cadenza/cadenza.hpp"
#include "cadenza/cuda/cuda_backend.hpp"
#include "cadenza/cuda/graph_step.hpp"
#ifdef CADENZA_HAVE_CUDNN
#include "cadenza/cuda/cudnn_lstm.hpp"
#endif

using namespace cadenza;

namespace {

void cuda_ok(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw Error(std::string(what) + " failed: " + cudaGetErrorString(e));
}

struct Result {
    std::string name;
    double ms;
};
std::vector<Result> results;

void report(const std::string& name, double ms) {
    std::printf("bench,%s,%.5f\n", name.c_str(), ms);
    std::fflush(stdout);
    results.push_back({name, ms});
}

// Median milliseconds of `reps` runs of fn, each timed by events on the stream.
double time_events(cadenza::cuda::CudaBackend<float>& be, int warmup, int reps, const std::function<void()>& fn) {
    for (int i = 0; i < warmup; ++i) fn();
    be.synchronize();
    cudaEvent_t a, b;
    cuda_ok(cudaEventCreate(&a), "cudaEventCreate");
    cuda_ok(cudaEventCreate(&b), "cudaEventCreate");
    std::vector<double> ms;
    for (int i = 0; i < reps; ++i) {
        cuda_ok(cudaEventRecord(a, be.stream()), "cudaEventRecord");
        fn();
        cuda_ok(cudaEventRecord(b, be.stream()), "cudaEventRecord");
        cuda_ok(cudaEventSynchronize(b), "cudaEventSynchronize");
        float t = 0;
        cuda_ok(cudaEventElapsedTime(&t, a, b), "cudaEventElapsedTime");
        ms.push_back(t);
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

// A single LSTM layer with its own parameters on the backend.
struct LstmRig {
    Lstm<float> layer;
    Tensor<float> params, grads, x, dy, dx;
    std::unique_ptr<LayerCache<float>> cache;

    LstmRig(cadenza::cuda::CudaBackend<float>& be, int T, int B, int I, int H) : layer(H, true) {
        layer.attach(&be, 0);
        layer.build({T, I});
        const int64_t P = layer.parameter_count();
        params = be.zeros({P});
        grads = be.zeros({P});
        layer.bind(params.data(), grads.data());
        Tensor<float> host({P});
        layer.initialize(host.data(), 1);
        be.upload(host.data(), params.data(), P);
        Tensor<float> xh({T, B, I}), dyh({T, B, H});
        RandomSequence r(3, RandomStream::sample, 0, 0);
        for (int64_t i = 0; i < xh.numel(); ++i) xh[i] = float(r.uniform(-1, 1));
        for (int64_t i = 0; i < dyh.numel(); ++i) dyh[i] = float(r.uniform(-1, 1));
        x = be.zeros(xh.shape());
        dy = be.zeros(dyh.shape());
        be.upload(xh.data(), x.data(), xh.numel());
        be.upload(dyh.data(), dy.data(), dyh.numel());
        cache = layer.make_cache();
    }
};

void bench_lstm(cadenza::cuda::CudaBackend<float>& be, int T, int B, int H, int reps) {
    LstmRig rig(be, T, B, H, H);
    ForwardContext ctx{Mode::train, 1, 0};
    const std::string shape = "T" + std::to_string(T) + "_B" + std::to_string(B) + "_H" + std::to_string(H);
    report("lstm_fwd_" + shape, time_events(be, 3, reps, [&] { rig.layer.forward(rig.x, *rig.cache, ctx); }));
    report("lstm_fwdbwd_" + shape, time_events(be, 3, reps, [&] {
               rig.layer.forward(rig.x, *rig.cache, ctx);
               rig.layer.backward(rig.dy, *rig.cache, &rig.dx);
           }));
#ifdef CADENZA_HAVE_CUDNN
    // cuDNN on the same parameters and data (our optional baseline path).
    cadenza::cuda::CudnnLstm<float> ref(be, T, B, H, H);
    ref.set_weights(rig.params.data());
    Tensor<float> y = be.zeros({T, B, H}), dx = be.zeros({T, B, H});
    report("cudnn_lstm_fwd_" + shape, time_events(be, 3, reps, [&] { ref.forward(rig.x.data(), y.data()); }));
    report("cudnn_lstm_fwdbwd_" + shape, time_events(be, 3, reps, [&] {
               ref.forward(rig.x.data(), y.data());
               ref.backward(rig.x.data(), y.data(), rig.dy.data(), dx.data(), rig.grads.data());
           }));
#endif
}

void bench_lstm_step(cadenza::cuda::CudaBackend<float>& be, int H, int reps) {
    LstmRig rig(be, 1, 1, H, H);
    Tensor<float> h = be.zeros({1, H}), c = be.zeros({1, H}), gates = be.zeros({1, 4 * H});
    auto step = [&] { rig.layer.step(rig.x.data(), 1, h.data(), c.data(), gates.data()); };
    const std::string s = "_B1_H" + std::to_string(H);
    // Ten steps per timing, so the event overhead is amortised; reported per step.
    report("lstm_step_plain" + s, time_events(be, 5, reps, [&] {
               for (int i = 0; i < 10; ++i) step();
           }) / 10);
    cadenza::cuda::CudaGraph graph;
    graph.capture(be.stream(), step);
    report("lstm_step_graph" + s, time_events(be, 5, reps, [&] {
               for (int i = 0; i < 10; ++i) graph.launch();
           }) / 10);
}

std::unique_ptr<Sequential<float>> paper_model(std::shared_ptr<Backend<float>> be, int V) {
    auto m = std::make_unique<Sequential<float>>(std::move(be));
    m->add<Lstm<float>>(128, true);
    m->add<Dropout<float>>(0.3);
    m->add<Lstm<float>>(128, true);
    m->add<Flatten<float>>();
    m->add<Dense<float>>(256);
    m->add<Dropout<float>>(0.3);
    m->add<Dense<float>>(V);
    m->build({100, 1}, 1);
    return m;
}

void bench_stream_token(std::shared_ptr<cadenza::cuda::CudaBackend<float>> be, int reps) {
    const int V = 373;
    Sequential<float> m(be);
    Lstm<float>::Options o;
    o.units = 256;
    o.stateful = true;
    m.add<Embedding<float>>(V, 64);
    m.add<Lstm<float>>(o);
    m.add<Lstm<float>>(o);
    m.add<Dense<float>>(V);
    m.build({100, 1}, 1);
    Tensor<float> one = be->zeros({1, 1, 1});
    float id = 5;
    be->upload(&id, one.data(), 1);
    report("stream_token_plain_B1", time_events(*be, 5, reps, [&] {
               for (int i = 0; i < 10; ++i) m.forward(one, Mode::infer);
           }) / 10);
    cadenza::cuda::GraphForward<float> step(m, one);
    report("stream_token_graph_B1", time_events(*be, 5, reps, [&] {
               for (int i = 0; i < 10; ++i) step.run();
           }) / 10);
}

void bench_paper(std::shared_ptr<cadenza::cuda::CudaBackend<float>> be, int reps, int tokens) {
    const int V = 373, T = 100, B = 128;
    auto m = paper_model(be, V);
    Tensor<float> xh({T, B, 1});
    std::vector<int32_t> y(B);
    RandomSequence r(5, RandomStream::sample, 0, 0);
    for (int64_t i = 0; i < xh.numel(); ++i) xh[i] = float(r.below(V)) / V;
    for (auto& t : y) t = int32_t(r.below(V));
    Tensor<float> x = be->zeros(xh.shape());
    be->upload(xh.data(), x.data(), xh.numel());
    auto targets = be->upload_targets(y.data(), B);
    report("paper_train_step_B128", time_events(*be, 2, reps, [&] { m->train_batch(x, targets.get()); }));

    // 500 tokens the paper's way: window in, logits out, argmax on the host.
    std::vector<float> window(T), logits(V);
    for (int t = 0; t < T; ++t) window[size_t(t)] = float(t % V) / V;
    Tensor<float> xw = be->zeros({T, 1, 1});
    auto generate = [&](const std::function<const Tensor<float>&()>& forward) {
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < tokens; ++i) {
            be->upload(window.data(), xw.data(), T);
            const Tensor<float>& z = forward();
            be->download(z.data(), logits.data(), V);
            int next = int(std::max_element(logits.begin(), logits.end()) - logits.begin());
            std::rotate(window.begin(), window.begin() + 1, window.end());
            window.back() = float(next) / V;
        }
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    };
    generate([&]() -> const Tensor<float>& { return m->forward(xw, Mode::infer); });  // warm-up
    report("paper_generate_" + std::to_string(tokens) + "_plain",
           generate([&]() -> const Tensor<float>& { return m->forward(xw, Mode::infer); }));
    cadenza::cuda::GraphForward<float> step(*m, xw);
    step.run();
    report("paper_generate_" + std::to_string(tokens) + "_graph",
           generate([&]() -> const Tensor<float>& { return step.run(); }));
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    if (!cadenza::cuda::cuda_device_available()) {
        std::printf("skipped: no CUDA device\n");
        return 0;
    }
    try {
        auto be = std::make_shared<cadenza::cuda::CudaBackend<float>>();
        std::printf("device: %s\n", cadenza::cuda::cuda_device_name().c_str());
        const int reps = quick ? 5 : 20;
        bench_lstm(*be, 100, 128, 128, reps);
        bench_lstm(*be, 100, 64, 512, reps);
        bench_lstm_step(*be, 128, reps * 5);
        bench_lstm_step(*be, 512, reps * 5);
        bench_stream_token(be, reps * 5);
        bench_paper(be, reps, quick ? 100 : 500);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cadenza-cuda-bench: %s\n", e.what());
        return 1;
    }
    std::printf("\n%-34s %12s\n", "case", "ms");
    for (const auto& r : results) std::printf("%-34s %12.4f\n", r.name.c_str(), r.ms);
    return 0;
}
