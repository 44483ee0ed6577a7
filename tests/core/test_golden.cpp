// Agreement with PyTorch (fixtures from tools/make_golden.py): LSTM, GRU, Dense,
// softmax cross-entropy, the optimizers (Adam, AdamW, SGD, RMSprop) and the
// learning-rate schedules, in double and in float.
//
// Tolerances, |ours - torch| <= rtol * max(|ours|, |torch|) + atol:
//   double: rtol 1e-10, atol 1e-12;   float: rtol 1e-5, atol 1e-6.
#include <catch2/catch.hpp>

#include "cadenza/cadenza.hpp"
#include "golden.hpp"

using namespace cadenza;
using cadenza::testing::compare;
using cadenza::testing::Golden;

namespace {

template <class T>
struct Tol;
template <>
struct Tol<double> {
    static constexpr double rtol = 1e-10, atol = 1e-12;
    static constexpr const char* tag = "f64";
};
template <>
struct Tol<float> {
    static constexpr double rtol = 1e-5, atol = 1e-6;
    static constexpr const char* tag = "f32";
};

template <class T>
void expect_close(const T* ours, const Golden& g, const std::string& name) {
    auto r = compare(ours, g[name].values, Tol<T>::rtol, Tol<T>::atol);
    INFO(name << " (" << Tol<T>::tag << "): worst at " << r.index << ": ours " << r.ours
              << ", torch " << r.theirs);
    CHECK(r.worst <= 1.0);
}

template <class T>
void copy_into(T* dst, const Golden& g, const std::string& name) {
    const auto& v = g[name].values;
    for (size_t i = 0; i < v.size(); ++i) dst[i] = static_cast<T>(v[i]);
}

template <class T>
void lstm_matches_torch(std::shared_ptr<Backend<T>> be) {
    Golden g(std::string("lstm_") + Tol<T>::tag);
    const int64_t T_ = g["x"].shape[0], B = g["x"].shape[1], I = g["x"].shape[2];
    const int H = int(g["y"].shape[2]);
    Lstm<T> l0(H, true), l1(H, true);
    l0.attach(be.get(), 0);
    l1.attach(be.get(), 1);
    l0.build({T_, I});
    l1.build({T_, H});
    const int64_t n0 = l0.parameter_count(), n1 = l1.parameter_count();
    Tensor<T> params({n0 + n1}), grads({n0 + n1});
    l0.bind(params.data(), grads.data());
    l1.bind(params.data() + n0, grads.data() + n0);
    copy_into(l0.W_ih(), g, "W_ih0");
    copy_into(l0.W_hh(), g, "W_hh0");
    copy_into(l0.bias(), g, "b0");
    copy_into(l1.W_ih(), g, "W_ih1");
    copy_into(l1.W_hh(), g, "W_hh1");
    copy_into(l1.bias(), g, "b1");
    auto k0 = l0.make_cache(), k1 = l1.make_cache();
    auto& c0 = static_cast<LstmCache<T>&>(*k0);
    auto& c1 = static_cast<LstmCache<T>&>(*k1);
    Tensor<T> h0 = g.tensor<T>("h0"), cc0 = g.tensor<T>("c0");  // [2, B, H]
    c0.h0 = h0(0);
    c0.c0 = cc0(0);
    c1.h0 = h0(1);
    c1.c0 = cc0(1);
    Tensor<T> x = g.tensor<T>("x");
    ForwardContext ctx{Mode::train, 0, 0};
    const Tensor<T>& y0 = l0.forward(x, *k0, ctx);
    const Tensor<T>& y1 = l1.forward(y0, *k1, ctx);
    expect_close(y1.data(), g, "y");
    Tensor<T> hn({2, B, H}), cn({2, B, H});
    std::memcpy(hn.data(), c0.final_h().data(), sizeof(T) * B * H);
    std::memcpy(hn.data() + B * H, c1.final_h().data(), sizeof(T) * B * H);
    std::memcpy(cn.data(), c0.final_c().data(), sizeof(T) * B * H);
    std::memcpy(cn.data() + B * H, c1.final_c().data(), sizeof(T) * B * H);
    expect_close(hn.data(), g, "hn");
    expect_close(cn.data(), g, "cn");

    Tensor<T> R = g.tensor<T>("R"), dy0, dx;
    l1.backward(R, *k1, &dy0);
    Tensor<T> dh0({2, B, H}), dc0({2, B, H});
    std::memcpy(dh0.data() + B * H, c1.dh0.data(), sizeof(T) * B * H);
    std::memcpy(dc0.data() + B * H, c1.dc0.data(), sizeof(T) * B * H);
    l0.backward(dy0, *k0, &dx);
    std::memcpy(dh0.data(), c0.dh0.data(), sizeof(T) * B * H);
    std::memcpy(dc0.data(), c0.dc0.data(), sizeof(T) * B * H);
    expect_close(dx.data(), g, "dx");
    expect_close(dh0.data(), g, "dh0");
    expect_close(dc0.data(), g, "dc0");
    expect_close(grads.data(), g, "dW_ih0");
    expect_close(grads.data() + 4 * H * I, g, "dW_hh0");
    expect_close(grads.data() + 4 * H * I + 4 * H * H, g, "db0");
    expect_close(grads.data() + n0, g, "dW_ih1");
    expect_close(grads.data() + n0 + 4 * H * H, g, "dW_hh1");
    expect_close(grads.data() + n0 + 8 * H * H, g, "db1");
}

template <class T>
void dense_matches_torch(std::shared_ptr<Backend<T>> be) {
    Golden g(std::string("dense_") + Tol<T>::tag);
    const int I = int(g["x"].shape[1]), O = int(g["y"].shape[1]);
    Dense<T> d(O);
    d.attach(be.get(), 0);
    d.build({I});
    Tensor<T> params({d.parameter_count()}), grads({d.parameter_count()});
    d.bind(params.data(), grads.data());
    copy_into(d.weight(), g, "W");
    copy_into(d.bias(), g, "b");
    auto k = d.make_cache();
    Tensor<T> x = g.tensor<T>("x"), R = g.tensor<T>("R"), dx;
    expect_close(d.forward(x, *k, {}).data(), g, "y");
    d.backward(R, *k, &dx);
    expect_close(dx.data(), g, "dx");
    expect_close(grads.data(), g, "dW");
    expect_close(grads.data() + int64_t(O) * I, g, "db");
}

template <class T>
void softmax_xent_matches_torch(std::shared_ptr<Backend<T>> be) {
    Golden g(std::string("softmax_xent_") + Tol<T>::tag);
    Tensor<T> z = g.tensor<T>("logits"), dz;
    SoftmaxCrossEntropy<T> loss;
    LossResult r = loss.evaluate(*be, z, g["targets"].ints.data(), &dz);
    T mean = T(r.mean_loss());
    expect_close(&mean, g, "loss");
    expect_close(dz.data(), g, "dlogits");
}

template <class T>
void adam_matches_torch(std::shared_ptr<Backend<T>> be) {
    Golden g(std::string("adam_") + Tol<T>::tag);
    Tensor<T> p = g.tensor<T>("p0"), grads = g.tensor<T>("grads");
    const int64_t n = p.numel();
    Adam<T> adam;  // Keras's defaults: lr 1e-3, betas 0.9/0.999, eps 1e-7
    adam.prepare(*be, n);
    for (int k = 0; k < 5; ++k) adam.step(*be, p.data(), grads.data() + k * n, n);
    expect_close(p.data(), g, "p5");
}

// Stacked GRU layers (as many as the fixture has) from h0, the loss
// sum(y * R) + sum(h_n * Rn): outputs, final states and every gradient.
template <class T>
void gru_matches_torch(const std::string& fixture, std::shared_ptr<Backend<T>> be) {
    Golden g(fixture + "_" + Tol<T>::tag);
    const int64_t T_ = g["x"].shape[0], B = g["x"].shape[1], I = g["x"].shape[2];
    const int L = int(g["h0"].shape[0]), H = int(g["y"].shape[2]);
    std::vector<std::unique_ptr<Gru<T>>> layers;
    int64_t total = 0;
    for (int l = 0; l < L; ++l) {
        layers.push_back(std::make_unique<Gru<T>>(H, true));
        layers[size_t(l)]->attach(be.get(), uint32_t(l));
        layers[size_t(l)]->build({T_, l == 0 ? I : H});
        total += layers[size_t(l)]->parameter_count();
    }
    Tensor<T> params({total}), grads({total});
    std::vector<int64_t> offset;
    for (int l = 0, o = 0; l < L; o += int(layers[size_t(l)]->parameter_count()), ++l) {
        offset.push_back(o);
        Gru<T>& gru = *layers[size_t(l)];
        gru.bind(params.data() + o, grads.data() + o);
        const std::string n = std::to_string(l);
        copy_into(gru.W_ih(), g, "weight_ih" + n);
        copy_into(gru.W_hh(), g, "weight_hh" + n);
        copy_into(gru.b_ih(), g, "bias_ih" + n);
        copy_into(gru.b_hh(), g, "bias_hh" + n);
    }
    std::vector<std::unique_ptr<LayerCache<T>>> caches;
    Tensor<T> h0 = g.tensor<T>("h0"), Rn = g.tensor<T>("Rn");  // [L, B, H]
    for (int l = 0; l < L; ++l) {
        caches.push_back(layers[size_t(l)]->make_cache());
        auto& k = static_cast<GruCache<T>&>(*caches.back());
        k.h0 = h0(l);
        k.dh_final = Rn(l);
    }
    Tensor<T> x = g.tensor<T>("x");
    ForwardContext ctx{Mode::train, 0, 0};
    const Tensor<T>* y = &x;
    for (int l = 0; l < L; ++l) y = &layers[size_t(l)]->forward(*y, *caches[size_t(l)], ctx);
    expect_close(y->data(), g, "y");
    Tensor<T> hn({L, B, H}), dh0({L, B, H});
    for (int l = 0; l < L; ++l)
        std::memcpy(hn.data() + l * B * H, static_cast<GruCache<T>&>(*caches[size_t(l)]).final_h().data(),
                    sizeof(T) * B * H);
    expect_close(hn.data(), g, "hn");

    std::vector<Tensor<T>> dys(size_t(L) + 1);
    dys[size_t(L)] = g.tensor<T>("R");
    for (int l = L - 1; l >= 0; --l) {
        layers[size_t(l)]->backward(dys[size_t(l) + 1], *caches[size_t(l)], &dys[size_t(l)]);
        std::memcpy(dh0.data() + l * B * H, static_cast<GruCache<T>&>(*caches[size_t(l)]).dh0.data(),
                    sizeof(T) * B * H);
    }
    expect_close(dys[0].data(), g, "dx");
    expect_close(dh0.data(), g, "dh0");
    for (int l = 0; l < L; ++l) {
        const std::string n = std::to_string(l);
        const int64_t in = l == 0 ? I : H, o = offset[size_t(l)];
        expect_close(grads.data() + o, g, "dweight_ih" + n);
        expect_close(grads.data() + o + 3 * H * in, g, "dweight_hh" + n);
        expect_close(grads.data() + o + 3 * H * in + 3 * H * H, g, "dbias_ih" + n);
        expect_close(grads.data() + o + 3 * H * in + 3 * H * H + 3 * H, g, "dbias_hh" + n);
    }
}

// Five steps from p0 with the fixture's gradients, as torch.optim took them.
template <class T>
void optimizer_matches_torch(const std::string& fixture, Optimizer<T>& opt, Backend<T>& be) {
    Golden g(fixture + "_" + Tol<T>::tag);
    Tensor<T> p = g.tensor<T>("p0"), grads = g.tensor<T>("grads");
    const int64_t n = p.numel();
    opt.prepare(be, n);
    for (int k = 0; k < 5; ++k) opt.step(be, p.data(), grads.data() + k * n, n);
    INFO(fixture << " with " << opt.kind() << " on " << be.name());
    expect_close(p.data(), g, "p5");
    CHECK(opt.steps() == 5);
}

template <class T>
void optimizers_match_torch(std::shared_ptr<Backend<T>> be) {
    AdamOptions adamw = adamw_defaults();
    adamw.lr = 1e-2;
    adamw.weight_decay = 0.05;
    AdamW<T> a(adamw);
    optimizer_matches_torch("adamw", a, *be);
    SgdOptions sgd;
    sgd.lr = 0.1;
    sgd.momentum = 0.9;
    sgd.dampening = 0.1;
    sgd.weight_decay = 0.01;
    Sgd<T> s(sgd);
    optimizer_matches_torch("sgd", s, *be);
    SgdOptions nesterov;
    nesterov.lr = 0.1;
    nesterov.momentum = 0.9;
    nesterov.nesterov = true;
    Sgd<T> sn(nesterov);
    optimizer_matches_torch("sgd_nesterov", sn, *be);
    Rmsprop<T> r;  // PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8
    optimizer_matches_torch("rmsprop", r, *be);
    RmspropOptions centered;
    centered.lr = 1e-2;
    centered.alpha = 0.9;
    centered.momentum = 0.5;
    centered.centered = true;
    centered.weight_decay = 0.01;
    Rmsprop<T> rc(centered);
    optimizer_matches_torch("rmsprop_centered", rc, *be);
}

}  // namespace

TEMPLATE_TEST_CASE("Stacked GRU layers agree with torch.nn.GRU, values and gradients", "[golden][gru]", float,
                   double) {
    for (const char* fixture : {"gru", "gru_small"}) {
        INFO(fixture);
        gru_matches_torch<TestType>(fixture, std::make_shared<ReferenceBackend<TestType>>());
        gru_matches_torch<TestType>(fixture, std::make_shared<EigenBackend<TestType>>());
    }
}

TEMPLATE_TEST_CASE("Five steps of AdamW, SGD (momentum, Nesterov) and RMSprop (plain, centered) agree with "
                   "torch.optim",
                   "[golden][optim]", float, double) {
    optimizers_match_torch<TestType>(std::make_shared<ReferenceBackend<TestType>>());
    optimizers_match_torch<TestType>(std::make_shared<EigenBackend<TestType>>());
}

TEST_CASE("The step, cosine and reduce-on-plateau schedules give PyTorch's learning rates", "[golden][schedule]") {
    Golden g("schedules");
    auto step = step_schedule(0.1, 7, 0.5);
    auto cosine = cosine_schedule(0.1, 20, 0.001);
    ReduceOnPlateau plateau(0.1, {0.5, 2, 1e-4, 1, 0.02});
    const auto& losses = g["plateau_losses"].values;
    for (int e = 0; e < 30; ++e) {
        INFO("epoch " << e);
        CHECK(step(e) == Approx(g["step"].values[size_t(e)]).epsilon(1e-12));
        // PyTorch's cosine is periodic past T_max; ours stays at the floor.
        if (e <= 20) CHECK(cosine(e) == Approx(g["cosine"].values[size_t(e)]).epsilon(1e-9));
        CHECK(plateau.rate(e) == Approx(g["plateau"].values[size_t(e)]).epsilon(1e-12));
        plateau.observe(e, losses[size_t(e)]);
    }
}

TEMPLATE_TEST_CASE("Two stacked LSTM layers agree with torch.nn.LSTM", "[golden][lstm]", float,
                   double) {
    lstm_matches_torch<TestType>(std::make_shared<ReferenceBackend<TestType>>());
    lstm_matches_torch<TestType>(std::make_shared<EigenBackend<TestType>>());
}

TEMPLATE_TEST_CASE("Dense agrees with torch.nn.Linear", "[golden]", float, double) {
    dense_matches_torch<TestType>(std::make_shared<ReferenceBackend<TestType>>());
    dense_matches_torch<TestType>(std::make_shared<EigenBackend<TestType>>());
}

TEMPLATE_TEST_CASE("Softmax cross-entropy agrees with torch's cross_entropy", "[golden]", float,
                   double) {
    softmax_xent_matches_torch<TestType>(std::make_shared<ReferenceBackend<TestType>>());
    softmax_xent_matches_torch<TestType>(std::make_shared<EigenBackend<TestType>>());
}

TEMPLATE_TEST_CASE("Five Adam steps agree with torch.optim.Adam", "[golden][adam]", float, double) {
    adam_matches_torch<TestType>(std::make_shared<ReferenceBackend<TestType>>());
    adam_matches_torch<TestType>(std::make_shared<EigenBackend<TestType>>());
}
