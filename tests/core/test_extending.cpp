// Extending the library from the user's side: a layer and an optimizer defined
// only in this file join the registries and survive save/load; every built-in
// optimizer and the GRU resume exactly from a checkpoint; a version-1
// checkpoint still loads; schedules drive fit; backends leave process-wide
// settings alone.
#include <omp.h>

#include <Eigen/Core>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>

#include "cadenza/cadenza.hpp"

using namespace cadenza;

namespace {

// ---- a user's layer: y = x + b, one learned offset per feature ---------------------
// Defined here, outside include/, computing only through the backend.
template <class T>
class Shift final : public Layer<T> {
public:
    explicit Shift(double init) : init_(init) {}
    std::string kind() const override { return "TestShift"; }
    LayerConfig config() const override { return {{"init", std::to_string(init_)}}; }
    Shape build(const Shape& in) override {
        this->input_shape_ = this->output_shape_ = in;
        return in;
    }
    int64_t parameter_count() const override { return this->input_shape_.back(); }
    void bind(T* p, T* g) override {
        b_ = p;
        db_ = g;
    }
    void initialize(T* w, uint64_t) const override {
        for (int64_t i = 0; i < parameter_count(); ++i) w[i] = T(init_);
    }
    const Tensor<T>& forward(const Tensor<T>& x, LayerCache<T>& k, const ForwardContext&) override {
        this->ensure(k.y, x.shape());
        this->be().copy(x.data(), k.y.data(), x.numel());
        this->be().add_row_vector(k.y.data(), b_, rows_of(x), x.shape().back());
        return k.y;
    }
    void backward(const Tensor<T>& dy, LayerCache<T>&, Tensor<T>* dx) override {
        this->be().accumulate_column_sum(dy.data(), rows_of(dy), dy.shape().back(), db_);
        if (dx) {
            this->ensure(*dx, dy.shape());
            this->be().copy(dy.data(), dx->data(), dy.numel());
        }
    }

private:
    double init_;
    T *b_ = nullptr, *db_ = nullptr;
};

// ---- a user's optimizer: sign descent on a momentum average (host memory) ------------
template <class T>
class SignMomentum final : public Optimizer<T> {
public:
    SignMomentum(double lr, double beta) : lr_(lr), beta_(beta) {}
    std::string kind() const override { return "TestSignMomentum"; }
    OptimizerSettings settings() const override { return {{"lr", lr_}, {"beta", beta_}}; }
    void prepare(Backend<T>& be, int64_t n) override { v_ = be.zeros({n}); }
    void step(Backend<T>& be, T* p, const T* g, int64_t n) override {
        REQUIRE(be.device() == Device::host);
        T* v = v_.data();
        for (int64_t i = 0; i < n; ++i) {
            v[i] = T(beta_) * v[i] + T(1 - beta_) * g[i];
            p[i] -= T(lr_) * T((v[i] > 0) - (v[i] < 0));
        }
        ++this->t_;
    }
    double learning_rate() const override { return lr_; }
    void set_learning_rate(double lr) override { lr_ = lr; }
    std::vector<std::pair<std::string, Tensor<T>*>> state() override { return {{"velocity", &v_}}; }

private:
    double lr_, beta_;
    Tensor<T> v_;
};

void register_test_kinds() {
    layer_registry<float>().add(
        "TestShift", [](const LayerSettings& s) { return std::make_unique<Shift<float>>(s.real("init")); },
        /*replace=*/true);
    optimizer_registry<float>().add(
        "TestSignMomentum",
        [](const OptimizerSettings& s) {
            expect_settings(s, {"lr", "beta"}, "TestSignMomentum");
            return std::make_unique<SignMomentum<float>>(setting(s, "lr", 1e-3), setting(s, "beta", 0.9));
        },
        /*replace=*/true);
}

// A small next-token task: 24 sequences of 6 ids from a vocabulary of 7.
ArrayData<float> token_data() {
    Tensor<float> x({24, 6, 1});
    std::vector<int32_t> y(24 * 6);
    for (int n = 0; n < 24; ++n)
        for (int t = 0; t < 6; ++t) {
            x[n * 6 + t] = float((n + 2 * t) % 7);
            y[size_t(n * 6 + t)] = (n + 2 * t + 2) % 7;
        }
    return ArrayData<float>(std::move(x), std::move(y));
}

std::vector<float> host_values(Backend<float>& be, Tensor<float>& t) {
    std::vector<float> v(size_t(t.numel()));
    be.download(t.data(), v.data(), t.numel());
    return v;
}

// Saves m to memory, loads it back, and checks that parameters and
// optimizer state are bit-identical and that one more step of each stays so.
void expect_exact_round_trip(Sequential<float>& m, const BatchSource<float>& data) {
    io::Container c;
    io::save_model(m, c);
    auto back = io::load_model<float>(c, std::make_shared<ReferenceBackend<float>>());
    REQUIRE(back->size() == m.size());
    for (size_t i = 0; i < m.size(); ++i) CHECK(back->layer(i).kind() == m.layer(i).kind());
    CHECK(back->optimizer().kind() == m.optimizer().kind());
    CHECK(back->optimizer().settings() == m.optimizer().settings());
    CHECK(back->optimizer().steps() == m.optimizer().steps());
    CHECK(host_values(back->backend(), back->parameters()) == host_values(m.backend(), m.parameters()));
    auto a = m.optimizer().state(), b = back->optimizer().state();
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].first == b[i].first);
        CHECK(host_values(m.backend(), *a[i].second) == host_values(back->backend(), *b[i].second));
    }
    FitOptions more;
    more.batch_size = 8;
    more.epochs = 1;
    m.fit(data, more);
    back->fit(data, more);
    CHECK(host_values(back->backend(), back->parameters()) == host_values(m.backend(), m.parameters()));
}

std::unique_ptr<Sequential<float>> token_model(std::unique_ptr<Optimizer<float>> opt, bool gru = false) {
    auto m = std::make_unique<Sequential<float>>(std::make_shared<ReferenceBackend<float>>());
    m->add<Embedding<float>>(7, 4);
    if (gru) m->add<Gru<float>>(6, true);
    else m->add<Lstm<float>>(6, true);
    m->add<Dropout<float>>(0.2);
    m->add<Dense<float>>(7);
    m->set_optimizer(std::move(opt));
    m->build({6, 1}, 3);
    return m;
}

}  // namespace

TEST_CASE("A layer and an optimizer defined outside the library survive save and load", "[extending]") {
    register_test_kinds();
    auto m = std::make_unique<Sequential<float>>(std::make_shared<ReferenceBackend<float>>());
    m->add<Embedding<float>>(7, 4);
    m->add<Shift<float>>(0.25);
    m->add<Lstm<float>>(5, true);
    m->add<Dense<float>>(7);
    m->set_optimizer(std::make_unique<SignMomentum<float>>(0.01, 0.8));
    m->build({6, 1}, 9);
    CHECK(m->parameters()[7 * 4] == 0.25f);  // the Shift's offsets start at init
    ArrayData<float> data = token_data();
    FitOptions fit;
    fit.batch_size = 8;
    fit.epochs = 2;
    auto history = m->fit(data, fit);
    CHECK(history.back().loss < history.front().loss);
    CHECK(io::architecture_text(*m).find("layer TestShift init=0.250000") != std::string::npos);
    expect_exact_round_trip(*m, data);
}

TEST_CASE("Registries name what they know and refuse what they do not", "[extending]") {
    CHECK(layer_registry<double>().has("GRU"));
    CHECK(optimizer_registry<double>().kinds() == std::vector<std::string>{"Adam", "AdamW", "RMSprop", "SGD"});
    CHECK_THROWS_WITH(layer_registry<double>().make("Conv9", LayerSettings("Conv9", {}, "f.ckpt: line 5"),
                                                    "f.ckpt: line 5"),
                      Catch::Contains("f.ckpt: line 5: unknown layer kind 'Conv9'") && Catch::Contains("GRU, LSTM"));
    CHECK_THROWS_WITH(layer_registry<double>().add("LSTM", [](const LayerSettings&) { return nullptr; }),
                      Catch::Contains("already registered"));
    CHECK_THROWS_WITH(optimizer_registry<double>().add("two words", [](const OptimizerSettings&) { return nullptr; }),
                      Catch::Contains("one word"));
    CHECK_THROWS_WITH(optimizer_registry<double>().make("SGD", {{"lr", 0.1}, {"nesterow", 1}}, "x"),
                      Catch::Contains("SGD has no setting 'nesterow'"));
    CHECK_THROWS_WITH(
        layer_registry<double>().make("LSTM", LayerSettings("LSTM", {{"units", "0"}}, "a.ckpt: line 4"), "a.ckpt"),
        Catch::Contains("a.ckpt: line 4: layer LSTM setting units=0 is not an integer in 1..1048576"));
}

TEST_CASE("Every built-in optimizer resumes exactly from a checkpoint", "[extending][optim]") {
    ArrayData<float> data = token_data();
    SgdOptions nesterov;
    nesterov.lr = 0.05;
    nesterov.momentum = 0.9;
    nesterov.nesterov = true;
    nesterov.clip_norm = 1.0;
    RmspropOptions centered;
    centered.lr = 1e-3;
    centered.momentum = 0.5;
    centered.centered = true;
    std::vector<std::unique_ptr<Optimizer<float>>> optimizers;
    optimizers.push_back(std::make_unique<Adam<float>>());
    optimizers.push_back(std::make_unique<AdamW<float>>());
    optimizers.push_back(std::make_unique<Sgd<float>>(nesterov));
    optimizers.push_back(std::make_unique<Sgd<float>>(SgdOptions{}));
    optimizers.push_back(std::make_unique<Rmsprop<float>>(centered));
    optimizers.push_back(std::make_unique<Rmsprop<float>>(RmspropOptions::keras()));
    for (bool gru : {false, true})
        for (auto& o : optimizers) {
            const std::string kind = o->kind();
            auto opt = optimizer_registry<float>().make(kind, o->settings(), "test");
            INFO(kind << (gru ? " on a GRU" : " on an LSTM"));
            auto m = token_model(std::move(opt), gru);
            FitOptions fit;
            fit.batch_size = 8;
            fit.epochs = 2;
            m->fit(data, fit);
            CHECK(m->optimizer().steps() == 6);
            expect_exact_round_trip(*m, data);
        }
}

TEST_CASE("A version-1 checkpoint still loads and predicts what it predicted", "[extending][checkpoint]") {
    const std::string dir = std::string(CADENZA_SOURCE_DIR) + "/tests/core/fixtures/";
    auto m = io::load_model<float>(dir + "old_checkpoint_v1.ckpt", std::make_shared<ReferenceBackend<float>>());
    REQUIRE(m->size() == 5);
    CHECK(m->layer(1).kind() == "LSTM");
    CHECK(m->parameter_count() == 1096);
    CHECK(m->optimizer().kind() == "Adam");
    CHECK(m->optimizer().steps() == 3);
    CHECK(m->optimizer().settings().at("weight_decay") == Approx(0.01));
    std::ifstream in(dir + "old_checkpoint_v1.expected");
    std::string line;
    std::getline(in, line);  // the comment line
    std::vector<double> expected;
    for (double v; in >> v;) expected.push_back(v);
    REQUIRE(expected.size() == 24);
    Tensor<float> probe({6, 2, 1});
    for (int i = 0; i < 12; ++i) probe[i] = float((i * 5 + 2) % 12);
    Tensor<float> p = m->predict(probe);
    for (int i = 0; i < 24; ++i) CHECK(p[i] == Approx(expected[size_t(i)]).margin(1e-6));
}

TEST_CASE("fit asks a schedule for each epoch's rate and tells it each epoch's validation loss", "[extending]") {
    struct Recorder final : LearningRateSchedule {
        std::vector<double> seen;
        double rate(int epoch) const override { return 0.01 / (epoch + 1); }
        void observe(int, double metric) override { seen.push_back(metric); }
    };
    auto m = token_model(std::make_unique<Sgd<float>>(SgdOptions{0.5}));
    ArrayData<float> data = token_data(), validation = token_data();
    auto recorder = std::make_shared<Recorder>();
    FitOptions fit;
    fit.batch_size = 8;
    fit.epochs = 3;
    fit.schedule = recorder;
    std::vector<double> rates;
    fit.on_epoch = [&](const EpochStats&) {
        rates.push_back(m->optimizer().learning_rate());
        return true;
    };
    auto history = m->fit(data, fit, &validation);
    REQUIRE(recorder->seen.size() == 3);
    for (int e = 0; e < 3; ++e) {
        CHECK(recorder->seen[size_t(e)] == history[size_t(e)].val_loss);
        CHECK(rates[size_t(e)] == Approx(0.01 / (e + 1)));
    }
    // Reduce-on-plateau: a metric that stops improving halves the rate after
    // `patience` bad epochs, and a restored state continues identically.
    ReduceOnPlateau plateau(0.1, {0.5, 1, 1e-4, 0, 0});
    for (int e = 0; e < 3; ++e) plateau.observe(e, 1.0);  // best, bad, bad: 2 > patience
    CHECK(plateau.rate(3) == Approx(0.05));
    for (int e = 3; e < 5; ++e) plateau.observe(e, 1.0);
    CHECK(plateau.rate(5) == Approx(0.025));
    ReduceOnPlateau resumed(0.1, {0.5, 1, 1e-4, 0, 0});
    resumed.restore(plateau.state());
    plateau.observe(5, 1.0);
    resumed.observe(5, 1.0);
    CHECK(resumed.rate(6) == plateau.rate(6));
}

TEST_CASE("Backends and models leave Eigen's and OpenMP's process-wide settings alone", "[extending]") {
    const int eigen_before = Eigen::nbThreads(), omp_before = omp_get_max_threads();
    {
        EigenBackend<float> one(1), two(2);
        Sequential<float> m;  // its own EigenBackend
        m.add<Dense<float>>(3);
        m.build({4}, 1);
        one.set_threads(1);
        CHECK(one.threads() == 1);
        CHECK(two.threads() == 2);
    }
    CHECK(Eigen::nbThreads() == eigen_before);
    CHECK(omp_get_max_threads() == omp_before);
}
