// The Eigen backend equals the naive reference backend; the step API equals the
// sequence API; Philox matches its published answers; tensors check shapes.
#include <catch2/catch.hpp>

#include <array>

#include "cadenza/cadenza.hpp"

using namespace cadenza;

namespace {
template <class T>
Tensor<T> random_tensor(Shape s, uint64_t seed, double lo = -1, double hi = 1) {
    Tensor<T> t(s);
    RandomSequence r(seed, RandomStream::sample, 0, 0);
    for (int64_t i = 0; i < t.numel(); ++i) t[i] = T(r.uniform(lo, hi));
    return t;
}
template <class T>
double max_abs_diff(const T* a, const T* b, int64_t n) {
    double m = 0;
    for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
    return m;
}
}  // namespace

TEST_CASE("Philox4x32-10 reproduces the Random123 known-answer vectors", "[random]") {
    auto a = philox4x32(0, 0, 0, 0, 0, 0);
    CHECK(a.v[0] == 0x6627e8d5u);
    CHECK(a.v[1] == 0xe169c58du);
    CHECK(a.v[2] == 0xbc57ac4cu);
    CHECK(a.v[3] == 0x9b00dbd8u);
    auto b = philox4x32(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
    CHECK(b.v[0] == 0x408f276du);
    CHECK(b.v[1] == 0x41c83b0eu);
    CHECK(b.v[2] == 0xa20bc7c6u);
    CHECK(b.v[3] == 0x6d5451fdu);
    auto c = philox4x32(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
    CHECK(c.v[0] == 0xd16cfe09u);
    CHECK(c.v[1] == 0x94fdccebu);
    CHECK(c.v[2] == 0x5001e420u);
    CHECK(c.v[3] == 0x24126ea1u);
}

TEST_CASE("Random streams differ by seed, step, layer and purpose", "[random]") {
    uint32_t base = random_bits(1, RandomStream::dropout, 5, 2, 100);
    CHECK(base == random_bits(1, RandomStream::dropout, 5, 2, 100));
    CHECK(base != random_bits(2, RandomStream::dropout, 5, 2, 100));
    CHECK(base != random_bits(1, RandomStream::dropout, 6, 2, 100));
    CHECK(base != random_bits(1, RandomStream::dropout, 5, 3, 100));
    CHECK(base != random_bits(1, RandomStream::init, 5, 2, 100));
    CHECK(base != random_bits(1, RandomStream::dropout, 5, 2, 101));
    // Uniforms are uniform enough: mean and variance of 100k draws.
    RandomSequence r(3, RandomStream::sample, 0, 0);
    double s = 0, s2 = 0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
        double u = r.uniform();
        s += u;
        s2 += u * u;
    }
    CHECK(std::fabs(s / n - 0.5) < 0.01);
    CHECK(std::fabs(s2 / n - s * s / n / n - 1.0 / 12) < 0.005);
}

TEST_CASE("Dropout masks drop the requested fraction and scale the rest", "[random][dropout]") {
    EigenBackend<float> be;
    Tensor<float> m({100000});
    be.dropout_mask(m.data(), m.numel(), 0.3f, 42, 9, 1);
    int64_t zeros = 0;
    for (int64_t i = 0; i < m.numel(); ++i) {
        if (m[i] == 0) ++zeros;
        else REQUIRE(m[i] == Approx(1 / 0.7f));
    }
    CHECK(std::fabs(double(zeros) / m.numel() - 0.3) < 0.01);
    ReferenceBackend<float> ref;
    Tensor<float> m2({100000});
    ref.dropout_mask(m2.data(), m2.numel(), 0.3f, 42, 9, 1);
    CHECK(max_abs_diff(m.data(), m2.data(), m.numel()) == 0.0);
}

TEMPLATE_TEST_CASE("Eigen's GEMM equals the reference GEMM in every transpose case", "[backend]",
                   float, double) {
    EigenBackend<TestType> eig;
    ReferenceBackend<TestType> ref;
    const int M = 13, N = 17, K = 11;
    for (Trans ta : {Trans::no, Trans::yes})
        for (Trans tb : {Trans::no, Trans::yes})
            for (double beta : {0.0, 1.0, 0.5}) {
                auto A = random_tensor<TestType>({M * K + 8}, 1);
                auto B = random_tensor<TestType>({K * N + 8}, 2);
                auto C1 = random_tensor<TestType>({M * (N + 3)}, 3);
                auto C2 = C1.clone();
                int lda = ta == Trans::no ? K : M, ldb = tb == Trans::no ? N : K;
                eig.gemm(ta, tb, M, N, K, TestType(0.7), A.data(), lda, B.data(), ldb,
                         TestType(beta), C1.data(), N + 3);
                ref.gemm(ta, tb, M, N, K, TestType(0.7), A.data(), lda, B.data(), ldb,
                         TestType(beta), C2.data(), N + 3);
                CHECK(max_abs_diff(C1.data(), C2.data(), C1.numel()) < (sizeof(TestType) == 4 ? 1e-5 : 1e-13));
            }
}

TEMPLATE_TEST_CASE("Large products (the BLAS path, when built with one) equal the reference",
                   "[backend]", float, double) {
    EigenBackend<TestType> eig;
    ReferenceBackend<TestType> ref;
    const int M = 260, N = 270, K = 250;  // M*N*K above the BLAS threshold
    for (Trans ta : {Trans::no, Trans::yes})
        for (Trans tb : {Trans::no, Trans::yes}) {
            auto A = random_tensor<TestType>({M * K}, 21);
            auto B = random_tensor<TestType>({K * N}, 22);
            auto C1 = random_tensor<TestType>({M * N}, 23);
            auto C2 = C1.clone();
            int lda = ta == Trans::no ? K : M, ldb = tb == Trans::no ? N : K;
            eig.gemm(ta, tb, M, N, K, TestType(1), A.data(), lda, B.data(), ldb, TestType(1),
                     C1.data(), N);
            ref.gemm(ta, tb, M, N, K, TestType(1), A.data(), lda, B.data(), ldb, TestType(1),
                     C2.data(), N);
            CHECK(max_abs_diff(C1.data(), C2.data(), C1.numel()) <
                  (sizeof(TestType) == 4 ? 1e-3 : 1e-11));
        }
}

TEMPLATE_TEST_CASE("Weight gradients' long-K products (our kernel) equal the reference",
                   "[backend]", float, double) {
    // dW[M, N] = dG^T . X over K = T*B rows: packed_gemm::gemm with A read
    // transposed (packed a tile of rows at a time). Whole and partial tiles of
    // rows, whole and partial panels of columns, K not a multiple of the block,
    // padded leading dimensions, overwrite and accumulate (and beta 0.5, which
    // takes the general path).
    EigenBackend<TestType> eig;
    ReferenceBackend<TestType> ref;
    struct Shape3 { int M, N, K; };
    for (Shape3 s : {Shape3{96, 40, 4400}, Shape3{75, 33, 3001}, Shape3{64, 64, 2048}})
        for (double beta : {0.0, 1.0, 0.5}) {
            const int lda = s.M + 3, ldb = s.N + 5, ldc = s.N + 2;
            auto A = random_tensor<TestType>({int64_t(s.K) * lda}, 31);
            auto B = random_tensor<TestType>({int64_t(s.K) * ldb}, 32);
            auto C1 = random_tensor<TestType>({int64_t(s.M) * ldc}, 33);
            auto C2 = C1.clone();
            eig.gemm(Trans::yes, Trans::no, s.M, s.N, s.K, TestType(1), A.data(), lda, B.data(), ldb,
                     TestType(beta), C1.data(), ldc);
            ref.gemm(Trans::yes, Trans::no, s.M, s.N, s.K, TestType(1), A.data(), lda, B.data(), ldb,
                     TestType(beta), C2.data(), ldc);
            INFO("M " << s.M << " N " << s.N << " K " << s.K << " beta " << beta);
            CHECK(max_abs_diff(C1.data(), C2.data(), C1.numel()) <
                  (sizeof(TestType) == 4 ? 1e-3 : 1e-11));
        }
}

TEST_CASE("Our GEMM's empty sum overwrites with zeros or leaves C alone", "[backend]") {
    std::vector<float> C(6 * 40, 7.0f), scratch;
    const float* none = nullptr;
    packed_gemm::gemm(true, false, 0, 6, 0, 33, 0, none, 6, none, 33, true, C.data(), 40, scratch);
    CHECK(C[0] == 7.0f);  // accumulate: C + 0
    packed_gemm::gemm(true, false, 0, 6, 0, 33, 0, none, 6, none, 33, false, C.data(), 40, scratch);
    for (int r = 0; r < 6; ++r) {
        CHECK(C[size_t(r) * 40] == 0.0f);
        CHECK(C[size_t(r) * 40 + 32] == 0.0f);
        CHECK(C[size_t(r) * 40 + 33] == 7.0f);  // past N: untouched
    }
}

TEMPLATE_TEST_CASE("Products with a prepared right-hand side equal the reference GEMM",
                   "[backend]", float, double) {
    // Rows that fill whole tiles and rows left over, panels full and partial,
    // both stored orientations of B, overwrite and accumulate, padded strides.
    EigenBackend<TestType> eig;
    ReferenceBackend<TestType> ref;
    for (int M : {1, 7, 8, 21, 64})
        for (int N : {5, 32, 48, 100, 512})
            for (Trans tb : {Trans::no, Trans::yes})
                for (bool accumulate : {false, true}) {
                    const int K = 37, lda = K + 2, ldb = (tb == Trans::no ? N : K) + 1, ldc = N + 4;
                    auto A = random_tensor<TestType>({int64_t(M) * lda}, 41);
                    auto B = random_tensor<TestType>({int64_t(tb == Trans::no ? K : N) * ldb}, 42);
                    auto C1 = random_tensor<TestType>({int64_t(M) * ldc}, 43);
                    auto C2 = C1.clone();
                    FixedRhs<TestType> rhs;
                    // rows in all: 64 packs, 1 takes the plain GEMM.
                    eig.prepare_rhs(tb, K, N, B.data(), ldb, M == 21 ? 1 : 64, rhs);
                    eig.gemm_fixed_rhs(M, A.data(), lda, rhs, accumulate, C1.data(), ldc);
                    ref.gemm(Trans::no, tb, M, N, K, TestType(1), A.data(), lda, B.data(), ldb,
                             TestType(accumulate ? 1 : 0), C2.data(), ldc);
                    INFO("M " << M << " N " << N << " transposed " << (tb == Trans::yes)
                              << " accumulate " << accumulate);
                    // Columns past N (the padding of ldc) stay untouched too.
                    CHECK(max_abs_diff(C1.data(), C2.data(), C1.numel()) <
                          (sizeof(TestType) == 4 ? 1e-5 : 1e-13));
                }
}

TEMPLATE_TEST_CASE("Eigen's pointwise loops equal the reference loops", "[backend]", float, double) {
    EigenBackend<TestType> eig;
    ReferenceBackend<TestType> ref;
    const int B = 37, H = 29;  // odd sizes: vector remainders
    auto gates = random_tensor<TestType>({B, 4 * H}, 4, -3, 3);
    auto bias = random_tensor<TestType>({4 * H}, 5);
    auto c_prev = random_tensor<TestType>({B, H}, 6);
    Tensor<TestType> g1 = gates.clone(), g2 = gates.clone(), c1({B, H}), c2({B, H}), h1({B, H}), h2({B, H});
    eig.lstm_forward_pointwise(B, H, g1.data(), bias.data(), c_prev.data(), c1.data(), h1.data());
    ref.lstm_forward_pointwise(B, H, g2.data(), bias.data(), c_prev.data(), c2.data(), h2.data());
    CHECK(max_abs_diff(g1.data(), g2.data(), g1.numel()) == 0.0);
    CHECK(max_abs_diff(h1.data(), h2.data(), h1.numel()) == 0.0);
    CHECK(max_abs_diff(c1.data(), c2.data(), c1.numel()) == 0.0);

    auto dy = random_tensor<TestType>({B, H}, 7), dh = random_tensor<TestType>({B, H}, 8);
    auto dc = random_tensor<TestType>({B, H}, 9);
    Tensor<TestType> dc1 = dc.clone(), dc2 = dc.clone(), dg1({B, 4 * H}), dg2({B, 4 * H});
    eig.lstm_backward_pointwise(B, H, g1.data(), c_prev.data(), c1.data(), dy.data(), dh.data(),
                                dc1.data(), dg1.data());
    ref.lstm_backward_pointwise(B, H, g1.data(), c_prev.data(), c1.data(), dy.data(), dh.data(),
                                dc2.data(), dg2.data());
    CHECK(max_abs_diff(dg1.data(), dg2.data(), dg1.numel()) == 0.0);
    CHECK(max_abs_diff(dc1.data(), dc2.data(), dc1.numel()) == 0.0);

    auto z = random_tensor<TestType>({B, 23}, 10, -5, 5);
    std::vector<int32_t> t(B);
    for (int i = 0; i < B; ++i) t[size_t(i)] = (i * 7) % 23;
    Tensor<TestType> d1({B, 23}), d2({B, 23});
    double l1 = eig.softmax_cross_entropy(B, 23, z.data(), t.data(), TestType(0.1), d1.data());
    double l2 = ref.softmax_cross_entropy(B, 23, z.data(), t.data(), TestType(0.1), d2.data());
    CHECK(l1 == Approx(l2).epsilon(1e-12));
    CHECK(max_abs_diff(d1.data(), d2.data(), d1.numel()) == 0.0);
    CHECK(eig.count_top_k(B, 23, z.data(), t.data(), 3) == ref.count_top_k(B, 23, z.data(), t.data(), 3));

    Tensor<TestType> s1({40}), s2({40});
    auto X = random_tensor<TestType>({1000, 40}, 11);
    eig.accumulate_column_sum(X.data(), 1000, 40, s1.data());
    ref.accumulate_column_sum(X.data(), 1000, 40, s2.data());
    CHECK(max_abs_diff(s1.data(), s2.data(), 40) == 0.0);  // same order: bit-identical
    CHECK(eig.sum_of_squares(X.data(), X.numel()) == Approx(ref.sum_of_squares(X.data(), X.numel())));

    Tensor<TestType> p1 = X.clone(), p2 = X.clone(), m1({X.numel()}), m2({X.numel()}), v1({X.numel()}), v2({X.numel()});
    auto k = kernels::adam_constants<TestType>(1e-3, 0.9, 0.999, 1e-7, 3, 0.5);
    auto G = random_tensor<TestType>(X.shape(), 12);
    eig.adam_update(p1.data(), G.data(), m1.data(), v1.data(), X.numel(), k);
    ref.adam_update(p2.data(), G.data(), m2.data(), v2.data(), X.numel(), k);
    CHECK(max_abs_diff(p1.data(), p2.data(), X.numel()) == 0.0);
}

TEMPLATE_TEST_CASE("The GRU's fused steps equal their parts, and the reference", "[backend][gru]", float, double) {
    // gru_steps.hpp (the products and the gate math a tile of rows at a
    // time) against Backend::gru_step_forward's and gru_step_backward's
    // defaults on the same packed weights (each product over all rows, the
    // gate math before or after): the same bits. Small weights in tiles, large ones (past L2) a
    // panel at a time over all rows; rows that leave a partial tile.
    EigenBackend<TestType> eig;
    ReferenceBackend<TestType> ref;
    for (auto [n, I, H] : {std::array<int, 3>{13, 7, 19}, std::array<int, 3>{9, 512, 512}}) {
        const int G = 3 * H;
        auto W_ih = random_tensor<TestType>({G, I}, 51, -0.1, 0.1), W_hh = random_tensor<TestType>({G, H}, 52, -0.1, 0.1);
        auto b_ih = random_tensor<TestType>({G}, 53), b_hh = random_tensor<TestType>({G}, 54);
        auto x = random_tensor<TestType>({n, I}, 55), h_prev = random_tensor<TestType>({n, H}, 56);
        RecurrentWeights<TestType> w;
        eig.prepare_gru_forward(I, H, W_ih.data(), W_hh.data(), 64, w);
        REQUIRE(eig.fuses_input_projection(I, H));
        Tensor<TestType> gi1({n, G}), gi2({n, G}), g1({n, 4 * H}), g2({n, 4 * H}), h1({n, H}), h2({n, H});
        eig.gru_step_forward(n, I, H, x.data(), I, h_prev.data(), w, b_ih.data(), b_hh.data(), gi1.data(), g1.data(),
                             h1.data());
        eig.Backend<TestType>::gru_step_forward(n, I, H, x.data(), I, h_prev.data(), w, b_ih.data(), b_hh.data(),
                                                gi2.data(), g2.data(), h2.data());
        INFO("n " << n << " I " << I << " H " << H);
        CHECK(max_abs_diff(gi1.data(), gi2.data(), gi1.numel()) == 0.0);
        CHECK(max_abs_diff(g1.data(), g2.data(), g1.numel()) == 0.0);
        CHECK(max_abs_diff(h1.data(), h2.data(), h1.numel()) == 0.0);
        // The reference backend: one GEMM for the projection, its own products.
        Tensor<TestType> gi3({n, G}), g3({n, 4 * H}), h3({n, H});
        ref.gemm(Trans::no, Trans::yes, n, G, I, TestType(1), x.data(), I, W_ih.data(), I, TestType(0), gi3.data(), G);
        ref.add_row_vector(gi3.data(), b_ih.data(), n, G);
        RecurrentWeights<TestType> wr;
        ref.prepare_gru_forward(I, H, W_ih.data(), W_hh.data(), 64, wr);
        ref.gru_step_forward(n, I, H, x.data(), I, h_prev.data(), wr, b_ih.data(), b_hh.data(), gi3.data(), g3.data(),
                             h3.data());
        const double tolerance = sizeof(TestType) == 4 ? 1e-5 : 1e-13;
        CHECK(max_abs_diff(h1.data(), h3.data(), h1.numel()) < tolerance);
        CHECK(max_abs_diff(g1.data(), g3.data(), g1.numel()) < tolerance);

        // The backward step from the forward's gates, with and without dy.
        FixedRhs<TestType> w_hh, w_hh_ref;
        eig.prepare_rhs(Trans::no, G, H, W_hh.data(), H, 64, w_hh);
        ref.prepare_rhs(Trans::no, G, H, W_hh.data(), H, 64, w_hh_ref);
        auto dy = random_tensor<TestType>({n, H}, 57), dh = random_tensor<TestType>({n, H}, 58);
        for (bool with_dy : {true, false}) {
            const TestType* dy_t = with_dy ? dy.data() : nullptr;
            Tensor<TestType> dh1 = dh.clone(), dh2 = dh.clone(), dh3 = dh.clone();
            Tensor<TestType> dgi1({n, G}), dgi2({n, G}), dgi3({n, G}), dgh1({n, G}), dgh2({n, G}), dgh3({n, G});
            eig.gru_step_backward(n, H, g1.data(), h_prev.data(), dy_t, dh1.data(), dgi1.data(), dgh1.data(), w_hh);
            eig.Backend<TestType>::gru_step_backward(n, H, g1.data(), h_prev.data(), dy_t, dh2.data(), dgi2.data(),
                                                     dgh2.data(), w_hh);
            ref.gru_step_backward(n, H, g1.data(), h_prev.data(), dy_t, dh3.data(), dgi3.data(), dgh3.data(), w_hh_ref);
            INFO("backward, dy " << with_dy);
            CHECK(max_abs_diff(dh1.data(), dh2.data(), dh1.numel()) == 0.0);
            CHECK(max_abs_diff(dgi1.data(), dgi2.data(), dgi1.numel()) == 0.0);
            CHECK(max_abs_diff(dgh1.data(), dgh2.data(), dgh1.numel()) == 0.0);
            CHECK(max_abs_diff(dh1.data(), dh3.data(), dh1.numel()) < 100 * tolerance);
            CHECK(max_abs_diff(dgh1.data(), dgh3.data(), dgh1.numel()) < tolerance);
        }
    }
}

TEST_CASE("The LSTM's single-step API equals the sequence API sliced at t", "[lstm]") {
    auto be = std::make_shared<EigenBackend<double>>();
    Lstm<double> lstm(7, true);
    lstm.attach(be.get(), 0);
    lstm.build({6, 3});
    Tensor<double> params({lstm.parameter_count()}), grads({lstm.parameter_count()});
    lstm.bind(params.data(), grads.data());
    lstm.initialize(params.data(), 1);
    auto cache = lstm.make_cache();
    const int B = 4;
    auto x = random_tensor<double>({6, B, 3}, 13);
    const Tensor<double>& y = lstm.forward(x, *cache, {Mode::infer, 0, 0});
    Tensor<double> h({B, 7}), c({B, 7}), gates({B, 28});
    for (int t = 0; t < 6; ++t) {
        lstm.step(x.data() + t * B * 3, B, h.data(), c.data(), gates.data());
        CHECK(max_abs_diff(h.data(), y.data() + t * B * 7, B * 7) < 1e-15);
    }
    auto& k = static_cast<LstmCache<double>&>(*cache);
    CHECK(max_abs_diff(c.data(), k.final_c().data(), B * 7) < 1e-15);
}

TEST_CASE("One LSTM cache serves passes of any size, in either mode, in any order", "[lstm]") {
    // The cache keeps the prepared weights between passes. A small pass after
    // a large one's backward (a predict after fit: W_hh packed for the
    // backward, then too few rows to pack) once read those stale panels and
    // answered garbage.
    auto eig = std::make_shared<EigenBackend<double>>();
    auto ref = std::make_shared<ReferenceBackend<double>>();
    Lstm<double> a(9, true), b(9, true);
    a.attach(eig.get(), 0);
    b.attach(ref.get(), 0);
    a.build({8, 3});
    b.build({8, 3});
    Tensor<double> params({a.parameter_count()}), ga({a.parameter_count()}), gb({a.parameter_count()});
    a.bind(params.data(), ga.data());
    b.bind(params.data(), gb.data());
    a.initialize(params.data(), 5);
    auto ka = a.make_cache(), kb = b.make_cache();
    struct Pass { int T, B; Mode mode; };
    for (Pass p : {Pass{8, 32, Mode::train}, Pass{8, 1, Mode::infer}, Pass{3, 40, Mode::infer},
                   Pass{8, 2, Mode::train}, Pass{5, 64, Mode::train}, Pass{8, 1, Mode::infer}}) {
        auto x = random_tensor<double>({p.T, p.B, 3}, 17 + p.B);
        const Tensor<double>& ya = a.forward(x, *ka, {p.mode, 0, 0});
        const Tensor<double>& yb = b.forward(x, *kb, {p.mode, 0, 0});
        INFO("T " << p.T << " B " << p.B << (p.mode == Mode::train ? " train" : " infer"));
        REQUIRE(ya.numel() == yb.numel());
        CHECK(max_abs_diff(ya.data(), yb.data(), ya.numel()) < 1e-13);
        if (p.mode == Mode::train) {
            auto dy = random_tensor<double>(ya.shape(), 29);
            Tensor<double> dxa(x.shape()), dxb(x.shape());
            a.backward(dy, *ka, &dxa);
            b.backward(dy, *kb, &dxb);
            CHECK(max_abs_diff(dxa.data(), dxb.data(), dxa.numel()) < 1e-13);
        }
    }
}

TEST_CASE("A stateful LSTM carries its final state into the next forward", "[lstm]") {
    auto be = std::make_shared<EigenBackend<double>>();
    Lstm<double>::Options o;
    o.units = 5;
    o.stateful = true;
    Lstm<double> stateful(o), whole(5, true);
    for (Lstm<double>* l : {&stateful, &whole}) {
        l->attach(be.get(), 0);
    }
    stateful.build({3, 2});
    whole.build({6, 2});
    Tensor<double> params({stateful.parameter_count()}), grads({stateful.parameter_count()});
    stateful.bind(params.data(), grads.data());
    whole.bind(params.data(), grads.data());
    stateful.initialize(params.data(), 2);
    auto x = random_tensor<double>({6, 2, 2}, 14);
    auto kw = whole.make_cache(), ks = stateful.make_cache();
    Tensor<double> yw = whole.forward(x, *kw, {}).clone();
    Tensor<double> first = stateful.forward(x.slice(0, 3), *ks, {}).clone();
    Tensor<double> second = stateful.forward(x.slice(3, 6), *ks, {}).clone();
    CHECK(max_abs_diff(first.data(), yw.data(), 3 * 2 * 5) < 1e-15);
    CHECK(max_abs_diff(second.data(), yw.data() + 3 * 2 * 5, 3 * 2 * 5) < 1e-15);
    stateful.reset_state();
    Tensor<double> again = stateful.forward(x.slice(3, 6), *ks, {}).clone();
    CHECK(max_abs_diff(again.data(), yw.data() + 3 * 2 * 5, 3 * 2 * 5) > 1e-3);
}

TEST_CASE("Keras initialisation: glorot bounds, orthogonal recurrence, forget bias 1", "[init]") {
    auto be = std::make_shared<ReferenceBackend<double>>();
    Lstm<double> lstm(16, true);
    lstm.attach(be.get(), 0);
    lstm.build({5, 8});
    Tensor<double> p({lstm.parameter_count()});
    lstm.initialize(p.data(), 3);
    const int H = 16, I = 8;
    double a = std::sqrt(6.0 / (I + 4 * H));
    for (int i = 0; i < 4 * H * I; ++i) REQUIRE(std::fabs(p[i]) <= a);
    // W_hh [4H, H] has orthonormal columns: W^T W = I.
    const double* W = p.data() + 4 * H * I;
    for (int i = 0; i < H; ++i)
        for (int j = 0; j < H; ++j) {
            double d = 0;
            for (int r = 0; r < 4 * H; ++r) d += W[r * H + i] * W[r * H + j];
            REQUIRE(d == Approx(i == j ? 1.0 : 0.0).margin(1e-12));
        }
    const double* b = W + 4 * H * H;
    for (int k = 0; k < 4 * H; ++k) CHECK(b[k] == ((k >= H && k < 2 * H) ? 1.0 : 0.0));
}

TEST_CASE("Tensors check their shapes and share memory only when asked", "[tensor]") {
    Tensor<float> t({2, 3, 4});
    CHECK(t.numel() == 24);
    CHECK(t.shape().str() == "[2, 3, 4]");
    CHECK_THROWS_WITH(t.reshaped({5, 5}), Catch::Contains("cannot reshape [2, 3, 4] to [5, 5]"));
    CHECK_THROWS_WITH(t.expect_shape({2, 3}, "x"), Catch::Contains("x must have shape [2, 3]"));
    CHECK_THROWS(t.at(24));
    // Tensor is move-only: an alias is asked for (share), so is a copy (clone).
    static_assert(!std::is_copy_constructible<Tensor<float>>::value && !std::is_copy_assignable<Tensor<float>>::value);
    static_assert(std::is_nothrow_move_constructible<Tensor<float>>::value);
    Tensor<float> copy = t.clone();
    copy[0] = 1;
    CHECK(t[0] == 0);
    CHECK(copy.use_count() == 1);
    Tensor<float> shared = t.share();
    shared[0] = 2;
    CHECK(t[0] == 2);
    CHECK(t.use_count() == 2);
    Tensor<float> row = t(1);
    CHECK(row.shape() == Shape{3, 4});
    row[0] = 5;
    CHECK(t[12] == 5);
    // A const tensor's parts are read-only views of the same memory.
    const Tensor<float>& ct = t;
    TensorView<const float> crow = ct(1);
    static_assert(std::is_same<decltype(crow.data()), const float*>::value);
    CHECK(crow.data() == t.data() + 12);
    CHECK(ct.slice(1, 2).shape() == Shape{1, 3, 4});
    CHECK(ct.reshaped({6, 4}).dim(0) == 6);
    // Memory lives while any handle does.
    Tensor<float> survivor;
    {
        Tensor<float> owner({8});
        owner[7] = 3;
        survivor = owner.slice(4, 8);
    }
    CHECK(survivor[3] == 3);
    CHECK(t.device() == Device::host);
    CHECK_THROWS(Shape{1, 2, 3, 4, 5});
}
