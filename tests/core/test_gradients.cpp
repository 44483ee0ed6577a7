// Finite-difference checks, in double, of every layer and of whole models.
#include <catch2/catch.hpp>

#include "cadenza/cadenza.hpp"
#include "gradient_check.hpp"

using namespace cadenza;
using cadenza::testing::check_gradient;

namespace {

constexpr double tolerance = 1e-7;

std::shared_ptr<Backend<double>> make_backend(const std::string& name) {
    if (name == "eigen") return std::make_shared<EigenBackend<double>>();
    return std::make_shared<ReferenceBackend<double>>();
}

Tensor<double> random_tensor(Shape s, uint64_t seed, double lo = -1, double hi = 1) {
    Tensor<double> t(s);
    RandomSequence r(seed, RandomStream::sample, 0, 0);
    for (int64_t i = 0; i < t.numel(); ++i) t[i] = r.uniform(lo, hi);
    return t;
}

// One layer with its own parameter buffers, objective L = sum(R * y).
struct LayerHarness {
    std::shared_ptr<Backend<double>> be;
    Layer<double>& layer;
    std::unique_ptr<LayerCache<double>> cache;
    Tensor<double> params, grads, R;
    ForwardContext ctx{Mode::train, 1234, 7};

    LayerHarness(Layer<double>& l, const Shape& per_sample, std::shared_ptr<Backend<double>> b)
        : be(std::move(b)), layer(l) {
        layer.attach(be.get(), 3);
        layer.build(per_sample);
        const int64_t n = layer.parameter_count();
        params = Tensor<double>({std::max<int64_t>(n, 1)});
        grads = Tensor<double>({std::max<int64_t>(n, 1)});
        layer.bind(params.data(), grads.data());
        layer.initialize(params.data(), 99);
        // Perturb the initial values so that no parameter sits at a special point.
        RandomSequence r(5, RandomStream::sample, 0, 0);
        for (int64_t i = 0; i < n; ++i) params[i] += r.uniform(-0.1, 0.1);
        cache = layer.make_cache();
    }
    double loss(const Tensor<double>& x) {
        const Tensor<double>& y = layer.forward(x, *cache, ctx);
        if (R.empty()) R = random_tensor(y.shape(), 77);
        double s = 0;
        for (int64_t i = 0; i < y.numel(); ++i) s += R[i] * y[i];
        return s;
    }
    // Fills grads (zeroed first) and dx.
    void gradients(const Tensor<double>& x, Tensor<double>& dx) {
        loss(x);
        be->fill(grads.data(), grads.numel(), 0.0);
        layer.backward(R, *cache, &dx);
    }
};

void check_layer(Layer<double>& layer, const Shape& per_sample, const Shape& batch_shape,
                 const std::string& backend, bool check_input = true) {
    LayerHarness h(layer, per_sample, make_backend(backend));
    Tensor<double> x = random_tensor(batch_shape, 11);
    Tensor<double> dx;
    h.gradients(x, dx);
    Tensor<double> analytic_params = h.grads.clone();
    const int64_t n = layer.parameter_count();
    if (n > 0) {
        auto r = check_gradient(h.params.data(), analytic_params.data(), n, [&] { return h.loss(x); });
        INFO(r.describe(layer.kind() + " parameters (" + backend + ")"));
        CHECK(r.worst_error < tolerance);
    }
    if (check_input) {
        Tensor<double> analytic_dx = dx.clone();
        auto r = check_gradient(x.data(), analytic_dx.data(), x.numel(), [&] { return h.loss(x); });
        INFO(r.describe(layer.kind() + " input (" + backend + ")"));
        CHECK(r.worst_error < tolerance);
    }
}

}  // namespace

TEST_CASE("LSTM gradients match finite differences, loss on every step", "[gradients][lstm]") {
    for (std::string backend : {"reference", "eigen"}) {
        Lstm<double> lstm(5, /*return_sequences=*/true);
        check_layer(lstm, {4, 3}, {4, 2, 3}, backend);
    }
}

TEST_CASE("LSTM gradients match finite differences, loss on the last step only",
          "[gradients][lstm]") {
    for (std::string backend : {"reference", "eigen"}) {
        Lstm<double> lstm(5, /*return_sequences=*/false);
        check_layer(lstm, {6, 2}, {6, 3, 2}, backend);
    }
}

TEST_CASE("LSTM gradients reach the initial state h0 and c0", "[gradients][lstm]") {
    for (bool all_steps : {true, false}) {
        Lstm<double> lstm(4, all_steps);
        LayerHarness h(lstm, {3, 2}, make_backend("reference"));
        auto& cache = static_cast<LstmCache<double>&>(*h.cache);
        cache.h0 = random_tensor({2, 4}, 21, -0.5, 0.5);
        cache.c0 = random_tensor({2, 4}, 22, -0.5, 0.5);
        Tensor<double> x = random_tensor({3, 2, 2}, 23);
        Tensor<double> dx;
        h.gradients(x, dx);
        Tensor<double> dh0 = cache.dh0.clone(), dc0 = cache.dc0.clone();
        auto rh = check_gradient(cache.h0.data(), dh0.data(), dh0.numel(), [&] { return h.loss(x); });
        INFO(rh.describe("dh0"));
        CHECK(rh.worst_error < tolerance);
        auto rc = check_gradient(cache.c0.data(), dc0.data(), dc0.numel(), [&] { return h.loss(x); });
        INFO(rc.describe("dc0"));
        CHECK(rc.worst_error < tolerance);
    }
}

TEST_CASE("LSTM gradients flow in from the final state", "[gradients][lstm]") {
    Lstm<double> lstm(3, true);
    LayerHarness h(lstm, {4, 2}, make_backend("eigen"));
    auto& cache = static_cast<LstmCache<double>&>(*h.cache);
    Tensor<double> Rh = random_tensor({2, 3}, 31), Rc = random_tensor({2, 3}, 32);
    // Objective: sum(R*y) + sum(Rh * h_T) + sum(Rc * c_T).
    auto loss = [&](const Tensor<double>& x) {
        double s = h.loss(x);
        Tensor<double> hT = cache.final_h(), cT = cache.final_c();
        for (int64_t i = 0; i < Rh.numel(); ++i) s += Rh[i] * hT[i] + Rc[i] * cT[i];
        return s;
    };
    Tensor<double> x = random_tensor({4, 2, 2}, 33);
    loss(x);
    cache.dh_final = Rh.share();
    cache.dc_final = Rc.share();
    Tensor<double> dx;
    h.be->fill(h.grads.data(), h.grads.numel(), 0.0);
    lstm.backward(h.R, cache, &dx);
    Tensor<double> g = h.grads.clone(), gx = dx.clone();
    auto rp = check_gradient(h.params.data(), g.data(), lstm.parameter_count(), [&] { return loss(x); });
    INFO(rp.describe("parameters with final-state gradients"));
    CHECK(rp.worst_error < tolerance);
    auto rx = check_gradient(x.data(), gx.data(), x.numel(), [&] { return loss(x); });
    INFO(rx.describe("input with final-state gradients"));
    CHECK(rx.worst_error < tolerance);
}

TEST_CASE("GRU gradients match finite differences, loss on every step or the last", "[gradients][gru]") {
    for (std::string backend : {"reference", "eigen"}) {
        Gru<double> every(5, /*return_sequences=*/true);
        check_layer(every, {4, 3}, {4, 2, 3}, backend);
        Gru<double> last(5, /*return_sequences=*/false);
        check_layer(last, {6, 2}, {6, 3, 2}, backend);
        // 8 steps x 32 rows: enough rows for EigenBackend to pack W_hh and
        // to give each of two threads its own rows.
        Gru<double> packed(6, true);
        check_layer(packed, {8, 3}, {8, 32, 3}, backend);
    }
}

TEST_CASE("GRU gradients reach the initial state and flow in from the final state", "[gradients][gru]") {
    for (std::string backend : {"reference", "eigen"}) {
        Gru<double> gru(4, true);
        LayerHarness h(gru, {3, 2}, make_backend(backend));
        auto& cache = static_cast<GruCache<double>&>(*h.cache);
        cache.h0 = random_tensor({2, 4}, 41, -0.5, 0.5);
        Tensor<double> Rh = random_tensor({2, 4}, 42);
        // Objective: sum(R*y) + sum(Rh * h_T).
        auto loss = [&](const Tensor<double>& x) {
            double s = h.loss(x);
            Tensor<double> hT = cache.final_h();
            for (int64_t i = 0; i < Rh.numel(); ++i) s += Rh[i] * hT[i];
            return s;
        };
        Tensor<double> x = random_tensor({3, 2, 2}, 43);
        loss(x);
        cache.dh_final = Rh.share();
        Tensor<double> dx;
        h.be->fill(h.grads.data(), h.grads.numel(), 0.0);
        gru.backward(h.R, cache, &dx);
        Tensor<double> g = h.grads.clone(), gx = dx.clone(), dh0 = cache.dh0.clone();
        auto rp = check_gradient(h.params.data(), g.data(), gru.parameter_count(), [&] { return loss(x); });
        INFO(rp.describe("GRU parameters with final-state gradients (" + backend + ")"));
        CHECK(rp.worst_error < tolerance);
        auto rx = check_gradient(x.data(), gx.data(), x.numel(), [&] { return loss(x); });
        INFO(rx.describe("GRU input (" + backend + ")"));
        CHECK(rx.worst_error < tolerance);
        auto rh = check_gradient(cache.h0.data(), dh0.data(), dh0.numel(), [&] { return loss(x); });
        INFO(rh.describe("GRU dh0 (" + backend + ")"));
        CHECK(rh.worst_error < tolerance);
    }
}

TEST_CASE("Dense gradients match finite differences on vectors and sequences", "[gradients]") {
    for (std::string backend : {"reference", "eigen"}) {
        Dense<double> a(4);
        check_layer(a, {6}, {3, 6}, backend);
        Dense<double> b(3);
        check_layer(b, {5, 2}, {5, 2, 2}, backend);
    }
}

TEST_CASE("Dropout, Flatten and Embedding gradients match finite differences", "[gradients]") {
    for (std::string backend : {"reference", "eigen"}) {
        Dropout<double> d(0.4);
        check_layer(d, {3, 4}, {3, 5, 4}, backend);
        Flatten<double> f;
        check_layer(f, {3, 4}, {3, 2, 4}, backend);
    }
    // Embedding: parameters only (ids are not differentiable). Ids in [0, 7).
    Embedding<double> e(7, 3);
    LayerHarness h(e, {4, 1}, make_backend("eigen"));
    Tensor<double> ids({4, 2, 1});
    for (int64_t i = 0; i < ids.numel(); ++i) ids[i] = double((i * 3) % 7);
    Tensor<double> dx;
    h.gradients(ids, dx);
    Tensor<double> g = h.grads.clone();
    auto r = check_gradient(h.params.data(), g.data(), e.parameter_count(), [&] { return h.loss(ids); });
    INFO(r.describe("Embedding table"));
    CHECK(r.worst_error < tolerance);
}

TEST_CASE("Softmax cross-entropy gradient matches finite differences", "[gradients][loss]") {
    for (std::string name : {"reference", "eigen"}) {
        auto be = make_backend(name);
        Tensor<double> logits = random_tensor({5, 9}, 41, -3, 3);
        logits[3] = 40.0;  // a large logit: the stable path must hold
        std::vector<int32_t> targets = {0, 8, 3, 3, 5};
        SoftmaxCrossEntropy<double> loss;
        Tensor<double> d;
        loss.evaluate(*be, logits, targets.data(), &d);
        Tensor<double> analytic = d.clone();
        auto r = check_gradient(logits.data(), analytic.data(), logits.numel(), [&] {
            return loss.evaluate(*be, logits, targets.data(), nullptr).mean_loss();
        });
        INFO(r.describe("softmax cross-entropy (" + name + ")"));
        CHECK(r.worst_error < tolerance);
    }
}

namespace {
// A whole model: mean softmax cross-entropy, checked on every parameter and input.
void check_model(Sequential<double>& m, Tensor<double> x, std::vector<int32_t> targets,
                 const std::string& what, bool check_input = true) {
    auto be = m.backend_ptr();
    auto loss = [&] {
        const Tensor<double>& logits = m.forward(x, Mode::train);
        return m.loss().evaluate(*be, logits, targets.data(), nullptr).mean_loss();
    };
    // Perturb the initialisation (zero biases sit at special points).
    RandomSequence r(8, RandomStream::sample, 0, 0);
    for (int64_t i = 0; i < m.parameter_count(); ++i) m.parameters()[i] += r.uniform(-0.1, 0.1);
    const Tensor<double>& logits = m.forward(x, Mode::train);
    Tensor<double> dlogits;
    m.loss().evaluate(*be, logits, targets.data(), &dlogits);
    m.zero_gradients();
    Tensor<double> dx;
    m.backward(dlogits, check_input ? &dx : nullptr);
    Tensor<double> g = m.gradients().clone(), gx = dx.clone();
    auto rp = check_gradient(m.parameters().data(), g.data(), m.parameter_count(), loss);
    INFO(rp.describe(what + " parameters"));
    CHECK(rp.worst_error < tolerance);
    if (check_input) {
        auto rx = check_gradient(x.data(), gx.data(), x.numel(), loss);
        INFO(rx.describe(what + " input"));
        CHECK(rx.worst_error < tolerance);
    }
}
}  // namespace

TEST_CASE("The paper's model, scaled down, has exact gradients end to end", "[gradients][model]") {
    for (std::string name : {"reference", "eigen"}) {
        Sequential<double> m(make_backend(name));
        m.add<Lstm<double>>(4, true);
        m.add<Dropout<double>>(0.3);
        m.add<Lstm<double>>(4, true);
        m.add<Flatten<double>>();
        m.add<Dense<double>>(6);
        m.add<Dropout<double>>(0.3);
        m.add<Dense<double>>(5);
        m.build({5, 1}, 3);
        check_model(m, random_tensor({5, 3, 1}, 51), {0, 4, 2}, "paper model (" + name + ")");
    }
}

TEST_CASE("The stream model has exact gradients with a loss at every step", "[gradients][model]") {
    Sequential<double> m(make_backend("eigen"));
    m.add<Embedding<double>>(6, 3);
    m.add<Lstm<double>>(4, true);
    m.add<Lstm<double>>(4, true);
    m.add<Dense<double>>(6);
    m.build({4, 1}, 5);
    Tensor<double> ids({4, 2, 1});
    for (int64_t i = 0; i < ids.numel(); ++i) ids[i] = double((i * 5 + 1) % 6);
    std::vector<int32_t> targets = {1, 2, 3, 4, 5, 0, 1, 2};  // [T, B] rows
    check_model(m, std::move(ids), targets, "stream model", /*check_input=*/false);
}

TEST_CASE("A stream model with GRU layers has exact gradients with a loss at every step", "[gradients][model][gru]") {
    Sequential<double> m(make_backend("eigen"));
    m.add<Embedding<double>>(6, 3);
    m.add<Gru<double>>(4, true);
    m.add<Dropout<double>>(0.25);
    m.add<Gru<double>>(4, true);
    m.add<Dense<double>>(6);
    m.build({4, 1}, 5);
    Tensor<double> ids({4, 2, 1});
    for (int64_t i = 0; i < ids.numel(); ++i) ids[i] = double((i * 5 + 1) % 6);
    std::vector<int32_t> targets = {1, 2, 3, 4, 5, 0, 1, 2};  // [T, B] rows
    check_model(m, std::move(ids), targets, "GRU stream model", /*check_input=*/false);
}
