// cadenza_cuda_tests: the CUDA backend against the CPU backends, kernel by kernel
// and model by model. Exits 77 (skipped, for ctest) with "skipped: no CUDA device" where there is no GPU.
//
// Every kernel runs on fresh random inputs (the seed is printed; pass it as the
// first argument to repeat a run) into outputs poisoned with NaN, so an element
// a kernel forgets to write fails the comparison. References: ReferenceBackend
// (the plain loops over the same kernels/*.hpp functions) for single operations,
// EigenBackend for whole models. Where the GPU adds in the CPU's order (column
// sums, the embedding's scatter, dropout masks, Adam) the results must be
// bit-identical; elsewhere within float tolerance.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cadenza/cadenza.hpp"
#include "cadenza/cuda/cuda_backend.hpp"
#include "cadenza/cuda/graph_step.hpp"
#include "cadenza/dist/data_parallel.hpp"
#ifdef CADENZA_HAVE_NCCL
#include "cadenza/cuda/nccl_communicator.hpp"
#endif
#ifdef CADENZA_HAVE_CUDNN
#include "cadenza/cuda/cudnn_lstm.hpp"
#endif

using namespace cadenza;

namespace {

int failures = 0;
uint64_t run_seed = 0;

#define EXPECT(cond, ...)                                                                   \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            ++failures;                                                                     \
            std::printf("  FAILED %s:%d: %s: %s\n", __FILE__, __LINE__, #cond,              \
                        detail::concat(__VA_ARGS__).c_str());                               \
        }                                                                                   \
    } while (0)

template <class T>
std::vector<T> random_vector(int64_t n, uint64_t stream, double lo = -1, double hi = 1) {
    std::vector<T> v(static_cast<size_t>(n));
    RandomSequence r(run_seed, RandomStream::sample, stream, 7);
    for (auto& x : v) x = T(r.uniform(lo, hi));
    return v;
}

// A device tensor holding `host`, or poisoned with NaN when host is empty.
template <class T>
Tensor<T> on_device(cadenza::cuda::CudaBackend<T>& be, const std::vector<T>& host, int64_t n = -1) {
    const int64_t count = host.empty() ? n : int64_t(host.size());
    Tensor<T> t = be.zeros({count});
    if (host.empty()) be.fill(t.data(), count, std::numeric_limits<T>::quiet_NaN());
    else be.upload(host.data(), t.data(), count);
    return t;
}

template <class T>
std::vector<T> to_host(cadenza::cuda::CudaBackend<T>& be, const Tensor<T>& t) {
    std::vector<T> v(static_cast<size_t>(t.numel()));
    be.download(t.data(), v.data(), t.numel());
    return v;
}

// Largest |a - b| / (|b| + floor), NaN-aware (a NaN anywhere gives infinity).
template <class T>
double worst_relative(const std::vector<T>& a, const std::vector<T>& b, double floor = 1.0) {
    if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
    double w = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        double d = std::fabs(double(a[i]) - double(b[i])) / (std::fabs(double(b[i])) + floor);
        if (!(d == d)) return std::numeric_limits<double>::infinity();
        w = std::max(w, d);
    }
    return w;
}

template <class T>
bool bit_identical(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T>
double tolerance() {
    return sizeof(T) == 4 ? 2e-5 : 1e-12;
}

// ---- single kernels --------------------------------------------------------------

template <class T>
void test_gemm(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    const int M = 37, N = 29, K = 53, pad = 3;
    for (Trans ta : {Trans::no, Trans::yes})
        for (Trans tb : {Trans::no, Trans::yes})
            for (T beta : {T(0), T(1)}) {
                const int lda = (ta == Trans::no ? K : M) + pad;
                const int ldb = (tb == Trans::no ? N : K) + pad;
                const int ldc = N + pad;
                auto A = random_vector<T>(int64_t(ta == Trans::no ? M : K) * lda, 1);
                auto B = random_vector<T>(int64_t(tb == Trans::no ? K : N) * ldb, 2);
                auto C0 = random_vector<T>(int64_t(M) * ldc, 3);
                auto dA = on_device(gpu, A), dB = on_device(gpu, B);
                // beta = 0 must not read C: poison it.
                auto dC = beta == T(0) ? on_device<T>(gpu, {}, int64_t(M) * ldc) : on_device(gpu, C0);
                gpu.gemm(ta, tb, M, N, K, T(0.75), dA.data(), lda, dB.data(), ldb, beta, dC.data(), ldc);
                auto got = to_host(gpu, dC);
                std::vector<T> want = C0;
                cpu.gemm(ta, tb, M, N, K, T(0.75), A.data(), lda, B.data(), ldb, beta, want.data(), ldc);
                // Compare only the M x N block (the padding is not written).
                std::vector<T> g, w;
                for (int m = 0; m < M; ++m)
                    for (int n = 0; n < N; ++n) {
                        g.push_back(got[size_t(m) * ldc + n]);
                        w.push_back(want[size_t(m) * ldc + n]);
                    }
                EXPECT(worst_relative(g, w) < 10 * tolerance<T>(), "gemm ta=", int(ta), " tb=",
                       int(tb), " beta=", beta, " worst ", worst_relative(g, w));
            }
}

template <class T>
void test_elementwise(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    const int64_t rows = 131, cols = 67, n = rows * cols;
    auto X = random_vector<T>(n, 10), v = random_vector<T>(cols, 11), m = random_vector<T>(n, 12);
    auto y0 = random_vector<T>(cols, 13);

    {  // add_row_vector: Y += v
        auto dY = on_device(gpu, X), dv = on_device(gpu, v);
        gpu.add_row_vector(dY.data(), dv.data(), rows, cols);
        auto want = X;
        cpu.add_row_vector(want.data(), v.data(), rows, cols);
        EXPECT(bit_identical(to_host(gpu, dY), want), "add_row_vector");
    }
    {  // column sums: one thread per column, rows in order = the CPU's additions
        auto dX = on_device(gpu, X), dy = on_device(gpu, y0);
        gpu.accumulate_column_sum(dX.data(), rows, cols, dy.data());
        auto want = y0;
        cpu.accumulate_column_sum(X.data(), rows, cols, want.data());
        EXPECT(bit_identical(to_host(gpu, dy), want), "accumulate_column_sum is not bit-identical");
    }
    {  // long columns: fixed chunks, then the chunks in order; deterministic
        const int64_t long_rows = 3000;
        auto L = random_vector<T>(long_rows * cols, 16);
        auto dL = on_device(gpu, L), dy1 = on_device(gpu, y0), dy2 = on_device(gpu, y0);
        gpu.accumulate_column_sum(dL.data(), long_rows, cols, dy1.data());
        gpu.accumulate_column_sum(dL.data(), long_rows, cols, dy2.data());
        auto want = y0;
        cpu.accumulate_column_sum(L.data(), long_rows, cols, want.data());
        EXPECT(worst_relative(to_host(gpu, dy1), want) < 50 * tolerance<T>(), "long column sums");
        EXPECT(bit_identical(to_host(gpu, dy1), to_host(gpu, dy2)), "long column sums are not deterministic");
    }
    {  // multiply into a poisoned output
        auto dx = on_device(gpu, X), dm = on_device(gpu, m), dy = on_device<T>(gpu, {}, n);
        gpu.multiply(dx.data(), dm.data(), dy.data(), n);
        std::vector<T> want(static_cast<size_t>(n));
        cpu.multiply(X.data(), m.data(), want.data(), n);
        EXPECT(bit_identical(to_host(gpu, dy), want), "multiply");
    }
    {  // axpy, scale
        auto dx = on_device(gpu, X), dy = on_device(gpu, m);
        gpu.axpy(T(-0.3), dx.data(), dy.data(), n);
        gpu.scale(dy.data(), T(1.7), n);
        auto want = m;
        cpu.axpy(T(-0.3), X.data(), want.data(), n);
        cpu.scale(want.data(), T(1.7), n);
        EXPECT(worst_relative(to_host(gpu, dy), want) < tolerance<T>(), "axpy/scale");
    }
    {  // fill
        auto d = on_device<T>(gpu, {}, 1001);
        gpu.fill(d.data(), 1001, T(2.5));
        EXPECT(bit_identical(to_host(gpu, d), std::vector<T>(1001, T(2.5))), "fill");
    }
    {  // sum of squares, and its determinism across runs
        for (int64_t len : {int64_t(1), int64_t(1000), int64_t(3) * 256 * 256 + 17}) {
            auto x = random_vector<T>(len, 14);
            auto dx = on_device(gpu, x);
            double a = gpu.sum_of_squares(dx.data(), len), b = gpu.sum_of_squares(dx.data(), len);
            double want = cpu.sum_of_squares(x.data(), len);
            EXPECT(std::fabs(a - want) <= 1e-10 * want + 1e-300, "sum_of_squares n=", len, ": ", a,
                   " vs ", want);
            EXPECT(a == b, "sum_of_squares is not deterministic");
        }
    }
    {  // swap_leading_axes [A, B, F] -> [B, A, F]
        const int64_t A = 7, B = 5, F = 3;
        auto s = random_vector<T>(A * B * F, 15);
        auto ds = on_device(gpu, s), dd = on_device<T>(gpu, {}, A * B * F);
        gpu.swap_leading_axes(ds.data(), dd.data(), A, B, F);
        std::vector<T> want(static_cast<size_t>(A * B * F));
        cpu.swap_leading_axes(s.data(), want.data(), A, B, F);
        EXPECT(bit_identical(to_host(gpu, dd), want), "swap_leading_axes");
    }
    {  // copy
        auto ds = on_device(gpu, X), dd = on_device<T>(gpu, {}, n);
        gpu.copy(ds.data(), dd.data(), n);
        EXPECT(bit_identical(to_host(gpu, dd), X), "copy");
    }
}

template <class T>
void test_lstm_pointwise(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    const int B = 19, H = 45, G = 4 * H;
    auto gates = random_vector<T>(int64_t(B) * G, 20, -3, 3);
    auto bias = random_vector<T>(G, 21);
    auto c_prev = random_vector<T>(int64_t(B) * H, 22, -2, 2);
    {  // forward
        auto dg = on_device(gpu, gates), db = on_device(gpu, bias), dcp = on_device(gpu, c_prev);
        auto dc = on_device<T>(gpu, {}, int64_t(B) * H), dh = on_device<T>(gpu, {}, int64_t(B) * H);
        gpu.lstm_forward_pointwise(B, H, dg.data(), db.data(), dcp.data(), dc.data(), dh.data());
        auto g = gates;
        std::vector<T> c(static_cast<size_t>(B) * H), h(static_cast<size_t>(B) * H);
        cpu.lstm_forward_pointwise(B, H, g.data(), bias.data(), c_prev.data(), c.data(), h.data());
        EXPECT(worst_relative(to_host(gpu, dg), g) < tolerance<T>(), "lstm forward gates");
        EXPECT(worst_relative(to_host(gpu, dc), c) < tolerance<T>(), "lstm forward c");
        EXPECT(worst_relative(to_host(gpu, dh), h) < tolerance<T>(), "lstm forward h");
        // In place (c_prev aliases c), as Lstm::step uses it.
        auto dg2 = on_device(gpu, gates), dc2 = on_device(gpu, c_prev);
        auto dh2 = on_device<T>(gpu, {}, int64_t(B) * H);
        gpu.lstm_forward_pointwise(B, H, dg2.data(), db.data(), dc2.data(), dc2.data(), dh2.data());
        EXPECT(worst_relative(to_host(gpu, dc2), c) < tolerance<T>(), "lstm forward in place");
    }
    {  // backward, with and without an output gradient
        auto act = random_vector<T>(int64_t(B) * G, 23, 0.01, 0.99);  // activations
        auto c = random_vector<T>(int64_t(B) * H, 24, -2, 2);
        auto dy = random_vector<T>(int64_t(B) * H, 25), dh_next = random_vector<T>(int64_t(B) * H, 26);
        auto dc0 = random_vector<T>(int64_t(B) * H, 27);
        for (bool with_dy : {true, false}) {
            auto da = on_device(gpu, act), dcp = on_device(gpu, c_prev), dcc = on_device(gpu, c);
            auto ddy = on_device(gpu, dy), ddh = on_device(gpu, dh_next), ddc = on_device(gpu, dc0);
            auto ddg = on_device<T>(gpu, {}, int64_t(B) * G);
            gpu.lstm_backward_pointwise(B, H, da.data(), dcp.data(), dcc.data(),
                                        with_dy ? ddy.data() : nullptr, ddh.data(), ddc.data(),
                                        ddg.data());
            auto dc = dc0;
            std::vector<T> dg(static_cast<size_t>(B) * G);
            cpu.lstm_backward_pointwise(B, H, act.data(), c_prev.data(), c.data(),
                                        with_dy ? dy.data() : nullptr, dh_next.data(), dc.data(),
                                        dg.data());
            EXPECT(worst_relative(to_host(gpu, ddg), dg) < tolerance<T>(), "lstm backward dgates dy=", with_dy);
            EXPECT(worst_relative(to_host(gpu, ddc), dc) < tolerance<T>(), "lstm backward dc dy=", with_dy);
        }
    }
}

template <class T>
void test_softmax_and_top_k(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    const int64_t rows = 300;
    const int V = 373;
    auto z = random_vector<T>(rows * V, 30, -8, 8);
    std::vector<int32_t> targets(static_cast<size_t>(rows));
    RandomSequence r(run_seed, RandomStream::sample, 31, 0);
    for (auto& t : targets) t = int32_t(r.below(V));
    auto dz = on_device(gpu, z), dd = on_device<T>(gpu, {}, rows * V);
    auto dt = gpu.upload_targets(targets.data(), rows);
    const T dloss = T(1.0 / rows);
    double got = gpu.softmax_cross_entropy(rows, V, dz.data(), dt.get(), dloss, dd.data());
    std::vector<T> want_d(static_cast<size_t>(rows * V));
    double want = cpu.softmax_cross_entropy(rows, V, z.data(), targets.data(), dloss, want_d.data());
    EXPECT(std::fabs(got - want) <= 1e-5 * std::fabs(want), "softmax loss ", got, " vs ", want);
    EXPECT(worst_relative(to_host(gpu, dd), want_d, 1e-3) < 1e-4, "softmax dlogits");
    double no_grad = gpu.softmax_cross_entropy(rows, V, dz.data(), dt.get(), dloss, nullptr);
    EXPECT(no_grad == got, "softmax loss without gradient differs: ", no_grad, " vs ", got);
    for (int k : {1, 5, 50}) {
        int64_t g = gpu.count_top_k(rows, V, dz.data(), dt.get(), k);
        int64_t w = cpu.count_top_k(rows, V, z.data(), targets.data(), k);
        EXPECT(g == w, "count_top_k k=", k, ": ", g, " vs ", w);
    }
}

template <class T>
void test_dropout(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    for (int64_t n : {int64_t(1), int64_t(6), int64_t(100003)})
        for (T p : {T(0.3), T(0.5)}) {
            const uint64_t seed = run_seed ^ 0x5eedu;
            auto d = on_device<T>(gpu, {}, n);
            gpu.dropout_mask(d.data(), n, p, seed, 17, 3);
            std::vector<T> want(static_cast<size_t>(n));
            cpu.dropout_mask(want.data(), n, p, seed, 17, 3);
            EXPECT(bit_identical(to_host(gpu, d), want), "dropout masks differ from the CPU's, n=", n,
                   " p=", p);
        }
}

template <class T>
void test_embedding(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    const int V = 23, D = 70;
    const int64_t rows = 257;
    std::vector<T> ids(static_cast<size_t>(rows));
    RandomSequence r(run_seed, RandomStream::sample, 40, 0);
    for (auto& id : ids) id = T(r.below(V - 3));  // the last rows stay untouched
    auto table = random_vector<T>(int64_t(V) * D, 41);
    auto dout = random_vector<T>(rows * D, 42);
    auto dtable0 = random_vector<T>(int64_t(V) * D, 43);
    auto did = on_device(gpu, ids), dtab = on_device(gpu, table), dout_d = on_device(gpu, dout);
    auto out = on_device<T>(gpu, {}, rows * D);
    gpu.embedding_forward(did.data(), rows, dtab.data(), D, out.data());
    std::vector<T> want(static_cast<size_t>(rows * D));
    cpu.embedding_forward(ids.data(), rows, table.data(), D, want.data());
    EXPECT(bit_identical(to_host(gpu, out), want), "embedding forward");
    auto dtab_d = on_device(gpu, dtable0);
    gpu.embedding_backward(did.data(), rows, dout_d.data(), D, dtab_d.data());
    auto want_t = dtable0;
    cpu.embedding_backward(ids.data(), rows, dout.data(), D, want_t.data());
    EXPECT(bit_identical(to_host(gpu, dtab_d), want_t),
           "embedding backward is not bit-identical to the CPU's ordered scatter");
}

template <class T>
void test_adam(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    const int64_t n = 12345;
    auto p = random_vector<T>(n, 50), g = random_vector<T>(n, 51), m = random_vector<T>(n, 52);
    auto v = random_vector<T>(n, 53, 0, 1);
    auto k = kernels::adam_constants<T>(1e-3, 0.9, 0.999, 1e-7, 7, 0.8);
    auto dp = on_device(gpu, p), dg = on_device(gpu, g), dm = on_device(gpu, m), dv = on_device(gpu, v);
    gpu.adam_update(dp.data(), dg.data(), dm.data(), dv.data(), n, k);
    cpu.adam_update(p.data(), g.data(), m.data(), v.data(), n, k);
    EXPECT(worst_relative(to_host(gpu, dp), p) < tolerance<T>(), "adam params");
    EXPECT(worst_relative(to_host(gpu, dm), m) < tolerance<T>(), "adam m");
    EXPECT(worst_relative(to_host(gpu, dv), v) < tolerance<T>(), "adam v");
}

// SGD (momentum, Nesterov, the first step) and RMSprop (centered, momentum):
// the same per-element functions, so within rounding of the CPU.
template <class T>
void test_sgd_rmsprop(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    const int64_t n = 3001;
    auto p = random_vector<T>(n, 80), g = random_vector<T>(n, 81), b = random_vector<T>(n, 82);
    auto v = random_vector<T>(n, 83, 0, 1), a = random_vector<T>(n, 84, -0.1, 0.1);
    for (bool first : {true, false})
        for (bool nesterov : {false, true}) {
            kernels::SgdStepConstants<T> k{T(0.1), T(0.9), T(0), T(0.01), T(0.7), nesterov, first};
            auto dp = on_device(gpu, p), dg = on_device(gpu, g), db = on_device(gpu, b);
            auto pc = p, bc = b;
            gpu.sgd_update(dp.data(), dg.data(), db.data(), n, k);
            cpu.sgd_update(pc.data(), g.data(), bc.data(), n, k);
            EXPECT(worst_relative(to_host(gpu, dp), pc) < tolerance<T>(), "sgd params");
            EXPECT(worst_relative(to_host(gpu, db), bc) < tolerance<T>(), "sgd momentum buffer");
        }
    {  // no momentum: no buffer
        kernels::SgdStepConstants<T> k{T(0.1), T(0), T(0), T(0), T(1), false, true};
        auto dp = on_device(gpu, p), dg = on_device(gpu, g);
        auto pc = p;
        gpu.sgd_update(dp.data(), dg.data(), nullptr, n, k);
        cpu.sgd_update(pc.data(), g.data(), nullptr, n, k);
        EXPECT(worst_relative(to_host(gpu, dp), pc) < tolerance<T>(), "plain sgd");
    }
    for (bool centered : {false, true}) {
        kernels::RmspropStepConstants<T> k{T(1e-2), T(0.9), T(1e-7), T(0.01), T(0.5), T(0.8), centered};
        auto dp = on_device(gpu, p), dg = on_device(gpu, g), dv = on_device(gpu, v), da = on_device(gpu, a),
             db = on_device(gpu, b);
        auto pc = p, vc = v, ac = a, bc = b;
        gpu.rmsprop_update(dp.data(), dg.data(), dv.data(), centered ? da.data() : nullptr, db.data(), n, k);
        cpu.rmsprop_update(pc.data(), g.data(), vc.data(), centered ? ac.data() : nullptr, bc.data(), n, k);
        EXPECT(worst_relative(to_host(gpu, dp), pc) < tolerance<T>(), "rmsprop params");
        EXPECT(worst_relative(to_host(gpu, dv), vc) < tolerance<T>(), "rmsprop square average");
        EXPECT(worst_relative(to_host(gpu, db), bc) < tolerance<T>(), "rmsprop momentum buffer");
    }
}

// The GRU's gate math (kernels/gru_cell.hpp), forward and backward, into
// poisoned outputs.
template <class T>
void test_gru_pointwise(cadenza::cuda::CudaBackend<T>& gpu) {
    ReferenceBackend<T> cpu;
    const int B = 19, H = 45;
    auto gi = random_vector<T>(int64_t(B) * 3 * H, 90, -3, 3);
    auto gates = random_vector<T>(int64_t(B) * 4 * H, 91, -3, 3);
    auto b_hh = random_vector<T>(3 * H, 92);
    auto h_prev = random_vector<T>(int64_t(B) * H, 93);
    auto dy = random_vector<T>(int64_t(B) * H, 94);
    auto dh = random_vector<T>(int64_t(B) * H, 95);
    auto dgi_ = on_device(gpu, gi), dgates = on_device(gpu, gates), dbhh = on_device(gpu, b_hh),
         dhp = on_device(gpu, h_prev), dh_out = on_device<T>(gpu, {}, int64_t(B) * H);
    gpu.gru_forward_pointwise(B, H, dgi_.data(), dgates.data(), dbhh.data(), dhp.data(), dh_out.data());
    std::vector<T> h(static_cast<size_t>(B * H));
    auto gates_c = gates;
    cpu.gru_forward_pointwise(B, H, gi.data(), gates_c.data(), b_hh.data(), h_prev.data(), h.data());
    EXPECT(worst_relative(to_host(gpu, dgates), gates_c) < tolerance<T>(), "gru forward gates");
    EXPECT(worst_relative(to_host(gpu, dh_out), h) < tolerance<T>(), "gru forward h");
    for (bool with_dy : {true, false}) {
        auto ddy = on_device(gpu, dy), ddh = on_device(gpu, dh);
        auto dgi_out = on_device<T>(gpu, {}, int64_t(B) * 3 * H), dgh_out = on_device<T>(gpu, {}, int64_t(B) * 3 * H);
        gpu.gru_backward_pointwise(B, H, dgates.data(), dhp.data(), with_dy ? ddy.data() : nullptr, ddh.data(),
                                   dgi_out.data(), dgh_out.data());
        auto dh_c = dh;
        std::vector<T> dgi_c(size_t(B) * 3 * H), dgh_c(size_t(B) * 3 * H);
        cpu.gru_backward_pointwise(B, H, gates_c.data(), h_prev.data(), with_dy ? dy.data() : nullptr, dh_c.data(),
                                   dgi_c.data(), dgh_c.data());
        EXPECT(worst_relative(to_host(gpu, ddh), dh_c) < tolerance<T>(), "gru backward dh");
        EXPECT(worst_relative(to_host(gpu, dgi_out), dgi_c) < tolerance<T>(), "gru backward dGi");
        EXPECT(worst_relative(to_host(gpu, dgh_out), dgh_c) < tolerance<T>(), "gru backward dGh");
    }
}

template <class T>
void test_errors(cadenza::cuda::CudaBackend<T>& gpu) {
    // An invalid leading dimension: cuBLAS refuses, and the message names the call.
    // cuBLAS also prints its own "On entry to ?GEMM parameter number 10" line.
    std::printf("  (an invalid GEMM on purpose: cuBLAS's complaint below is expected)\n");
    auto a = on_device<T>(gpu, {}, 64);
    bool threw = false;
    try {
        gpu.gemm(Trans::no, Trans::no, 4, 4, 4, T(1), a.data(), 1, a.data(), 4, T(0), a.data(), 4);
    } catch (const Error& e) {
        threw = std::string(e.what()).find("gemm") != std::string::npos;
        if (!threw) std::printf("  message: %s\n", e.what());
    }
    EXPECT(threw, "an invalid GEMM must throw cadenza::Error naming the call");
}

// ---- whole models -------------------------------------------------------------

struct ModelSpec {
    std::string kind;  // paper | stream | stream-gru
    int T = 12, units = 16, dense = 24, V = 11, embedding = 8;
};

std::unique_ptr<Sequential<float>> build(const ModelSpec& s, std::shared_ptr<Backend<float>> be) {
    auto m = std::make_unique<Sequential<float>>(std::move(be));
    if (s.kind == "paper") {
        m->add<Lstm<float>>(s.units, true);
        m->add<Dropout<float>>(0.3);
        m->add<Lstm<float>>(s.units, true);
        m->add<Flatten<float>>();
        m->add<Dense<float>>(s.dense);
        m->add<Dropout<float>>(0.3);
        m->add<Dense<float>>(s.V);
    } else if (s.kind == "stream-gru") {
        Gru<float>::Options o;
        o.units = s.units;
        o.stateful = true;
        m->add<Embedding<float>>(s.V, s.embedding);
        m->add<Gru<float>>(o);
        m->add<Gru<float>>(o);
        m->add<Dense<float>>(s.V);
    } else {
        Lstm<float>::Options o;
        o.units = s.units;
        o.stateful = true;
        m->add<Embedding<float>>(s.V, s.embedding);
        m->add<Lstm<float>>(o);
        m->add<Lstm<float>>(o);
        m->add<Dense<float>>(s.V);
    }
    m->build({s.T, 1}, run_seed);
    return m;
}

// Compares two gradient (or parameter) buffers layer by layer, by norm.
void compare_slices(Sequential<float>& cpu, const std::vector<float>& a, const std::vector<float>& b,
                    const char* what, double tol) {
    for (size_t i = 0; i < cpu.size(); ++i) {
        const int64_t begin = cpu.parameter_offset(i), count = cpu.layer(i).parameter_count();
        if (count == 0) continue;
        double diff = 0, norm = 0;
        for (int64_t j = begin; j < begin + count; ++j) {
            double d = double(a[size_t(j)]) - double(b[size_t(j)]);
            diff += d * d;
            norm += double(b[size_t(j)]) * double(b[size_t(j)]);
        }
        double rel = std::sqrt(diff) / (std::sqrt(norm) + 1e-12);
        EXPECT(rel < tol, what, " of layer ", i, " (", cpu.layer(i).kind(), ") differ: relative ", rel);
    }
}

void test_model(const std::string& kind) {
    ModelSpec s;
    s.kind = kind;
    const int B = 5;
    auto eigen = std::make_shared<EigenBackend<float>>(1);
    auto cuda = std::make_shared<cadenza::cuda::CudaBackend<float>>();
    auto cpu = build(s, eigen);
    auto gpu = build(s, cuda);

    // Inputs: ids / V for the paper's model, ids for the stream model.
    Tensor<float> x({s.T, B, 1});
    std::vector<int32_t> targets;
    RandomSequence r(run_seed, RandomStream::sample, 60, 0);
    for (int64_t i = 0; i < x.numel(); ++i) {
        int id = int(r.below(uint64_t(s.V)));
        x[i] = kind == "paper" ? float(id) / float(s.V) : float(id);
    }
    const int64_t n_targets = kind == "paper" ? B : int64_t(s.T) * B;
    for (int64_t i = 0; i < n_targets; ++i) targets.push_back(int32_t(r.below(uint64_t(s.V))));
    Tensor<float> xg = cuda->zeros(x.shape());
    cuda->upload(x.data(), xg.data(), x.numel());
    auto tg = cuda->upload_targets(targets.data(), n_targets);

    // Two training steps: forward (dropout active), loss, backward, Adam.
    for (int step = 0; step < 2; ++step) {
        LossResult lc = cpu->train_batch(x, targets.data());
        LossResult lg = gpu->train_batch(xg, tg.get());
        EXPECT(std::fabs(lc.loss_sum - lg.loss_sum) <= 1e-4 * std::fabs(lc.loss_sum),
               kind, " step ", step, " loss ", lg.loss_sum, " vs ", lc.loss_sum);
        const int64_t P = cpu->parameter_count();
        std::vector<float> gc(cpu->gradients().data(), cpu->gradients().data() + P), gg(static_cast<size_t>(P));
        cuda->download(gpu->gradients().data(), gg.data(), P);
        compare_slices(*cpu, gg, gc, (kind + " gradients").c_str(), 1e-4);
        std::vector<float> pc(cpu->parameters().data(), cpu->parameters().data() + P), pg(static_cast<size_t>(P));
        cuda->download(gpu->parameters().data(), pg.data(), P);
        // Looser: Adam's first steps move each weight by about lr * sign(g), so a
        // gradient within rounding of zero may step the other way on one device.
        compare_slices(*cpu, pg, pc, (kind + " parameters after Adam").c_str(), 1e-3);
    }

    // Inference with the graph-captured forward equals the plain forward.
    if (kind != "paper") {
        for (size_t i = 0; i < gpu->size(); ++i) gpu->layer(i).reset_state();
        for (size_t i = 0; i < cpu->size(); ++i) cpu->layer(i).reset_state();
        Tensor<float> one_host({1, 1, 1});
        Tensor<float> one = cuda->zeros({1, 1, 1});
        cadenza::cuda::GraphForward<float> step(*gpu, one);
        std::vector<float> zg(static_cast<size_t>(s.V));
        for (int i = 0; i < 6; ++i) {
            one_host[0] = float(i % s.V);
            cuda->upload(one_host.data(), one.data(), 1);
            const Tensor<float>& z = step.run();
            cuda->download(z.data(), zg.data(), s.V);
            const Tensor<float>& zc = cpu->forward(one_host, Mode::infer);
            std::vector<float> want(zc.data(), zc.data() + s.V);
            EXPECT(worst_relative(zg, want) < 1e-4, "graph step ", i, " differs from the CPU's");
        }
    }
}

// Data-parallel training on the GPU: the host-staged tree sum of 4
// micro-batches per step (what MPI ranks on GPUs do) against the same on the
// CPU; with NCCL, one rank summing on the device against host staging.
void test_data_parallel() {
    ModelSpec s;
    s.kind = "paper";
    const int N = 22;
    Tensor<float> x({N, s.T, 1});
    std::vector<int32_t> y;
    RandomSequence r(run_seed, RandomStream::sample, 61, 0);
    for (int64_t i = 0; i < x.numel(); ++i) x[i] = float(r.below(uint64_t(s.V))) / float(s.V);
    for (int n = 0; n < N; ++n) y.push_back(int32_t(r.below(uint64_t(s.V))));
    ArrayData<float> data(std::move(x), std::move(y));
    auto cuda = std::make_shared<cadenza::cuda::CudaBackend<float>>();
    auto train = [&](std::shared_ptr<Backend<float>> be, dist::Communicator& comm, int64_t micro) {
        auto m = build(s, be);
        dist::DataParallelOptions o;
        o.batch_size = 8;
        o.micro_batch = micro;
        o.epochs = 2;
        dist::DataParallel<float>(*m, comm).fit(data, o);
        std::vector<float> p(static_cast<size_t>(m->parameter_count()));
        be->download(m->parameters().data(), p.data(), m->parameter_count());
        return std::make_pair(std::move(m), std::move(p));
    };
    dist::LocalCommunicator local;
    auto [cpu_model, cpu] = train(std::make_shared<EigenBackend<float>>(1), local, 2);
    auto [gpu_model, gpu] = train(cuda, local, 2);
    compare_slices(*cpu_model, gpu, cpu, "data parallel, host staging: parameters", 1e-3);
#ifdef CADENZA_HAVE_NCCL
    // Two micro-batches: the device's g0 + g1 is the host tree's, so NCCL on
    // one rank must give the host-staged run's bits.
    cadenza::cuda::NcclCommunicator nccl(local, cuda->device_index(), cuda->stream());
    auto [nccl_model, on_device] = train(cuda, nccl, 4);
    auto [staged_model, staged] = train(cuda, local, 4);
    EXPECT(on_device == staged, "NCCL on one rank differs from host staging");
    std::printf("  NCCL %d.%d: one rank, the gradient summed on the device\n", NCCL_MAJOR, NCCL_MINOR);
#else
    std::printf("  NCCL: not in this build (no nccl.h / libnccl found)\n");
#endif
}

#ifdef CADENZA_HAVE_CUDNN
// Our LSTM layer against cuDNN's on the same parameters: y, dx and dW.
void test_cudnn_oracle() {
    const int T_ = 9, B = 6, I = 10, H = 20;
    cadenza::cuda::CudaBackend<float> gpu;
    Lstm<float> layer(H, true);
    layer.attach(&gpu, 0);
    layer.build({T_, I});
    const int64_t P = layer.parameter_count();
    Tensor<float> host({P});
    layer.initialize(host.data(), run_seed);
    for (int64_t k = 4LL * H * I + 4LL * H * H; k < P; ++k) host[k] = float(0.1 * std::sin(double(k)));
    Tensor<float> params = gpu.zeros({P}), grads = gpu.zeros({P}), grads_cudnn = gpu.zeros({P});
    gpu.upload(host.data(), params.data(), P);
    layer.bind(params.data(), grads.data());
    auto x = on_device(gpu, random_vector<float>(int64_t(T_) * B * I, 70));
    auto dy = on_device(gpu, random_vector<float>(int64_t(T_) * B * H, 71));
    Tensor<float> x3 = x.reshaped({T_, B, I}), dy3 = dy.reshaped({T_, B, H}), dx;
    auto cache = layer.make_cache();
    const Tensor<float>& y = layer.forward(x3, *cache, ForwardContext{Mode::train, 1, 0});
    layer.backward(dy3, *cache, &dx);

    cadenza::cuda::CudnnLstm<float> ref(gpu, T_, B, I, H);
    ref.set_weights(params.data());
    auto y_ref = on_device<float>(gpu, {}, int64_t(T_) * B * H);
    auto dx_ref = on_device<float>(gpu, {}, int64_t(T_) * B * I);
    ref.forward(x.data(), y_ref.data());
    ref.backward(x.data(), y_ref.data(), dy.data(), dx_ref.data(), grads_cudnn.data());
    EXPECT(worst_relative(to_host(gpu, y.reshaped({y.numel()})), to_host(gpu, y_ref)) < 1e-4, "cuDNN y");
    EXPECT(worst_relative(to_host(gpu, dx.reshaped({dx.numel()})), to_host(gpu, dx_ref)) < 1e-4, "cuDNN dx");
    EXPECT(worst_relative(to_host(gpu, grads), to_host(gpu, grads_cudnn)) < 1e-4, "cuDNN dW");
}
#endif

template <class T>
void run_kernel_tests(const char* type) {
    cadenza::cuda::CudaBackend<T> gpu;
    std::printf("kernels<%s>\n", type);
    test_gemm(gpu);
    test_elementwise(gpu);
    test_lstm_pointwise(gpu);
    test_softmax_and_top_k(gpu);
    test_dropout(gpu);
    test_embedding(gpu);
    test_adam(gpu);
    test_sgd_rmsprop(gpu);
    test_gru_pointwise(gpu);
    test_errors(gpu);
}

}  // namespace

int main(int argc, char** argv) {
    if (!cadenza::cuda::cuda_device_available()) {
        std::printf("skipped: no CUDA device\n");
        return 77;
    }
    run_seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : std::random_device{}();
    std::printf("device: %s\nseed: %llu (pass it as the first argument to repeat)\n",
                cadenza::cuda::cuda_device_name().c_str(), static_cast<unsigned long long>(run_seed));
    try {
        run_kernel_tests<float>("float");
        run_kernel_tests<double>("double");
#ifdef CADENZA_HAVE_CUDNN
        std::printf("cuDNN oracle\n");
        test_cudnn_oracle();
#endif
        for (const char* kind : {"paper", "stream", "stream-gru"}) {
            std::printf("model %s\n", kind);
            test_model(kind);
        }
        std::printf("data parallel\n");
        test_data_parallel();
    } catch (const std::exception& e) {
        std::printf("FAILED with an exception: %s\n", e.what());
        return 1;
    }
    if (failures) {
        std::printf("%d check(s) FAILED\n", failures);
        return 1;
    }
    std::printf("all CUDA tests passed\n");
    return 0;
}
