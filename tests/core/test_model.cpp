// Sequential: summary, determinism, learning, checkpoints and exact resumption.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <stdexcept>

#include "cadenza/cadenza.hpp"

using namespace cadenza;

namespace {

std::unique_ptr<Sequential<float>> paper_model(int vocabulary, int T = 100, int units = 128,
                                               int dense = 256, uint64_t seed = 1) {
    auto m = std::make_unique<Sequential<float>>();
    m->add<Lstm<float>>(units, true);
    m->add<Dropout<float>>(0.3);
    m->add<Lstm<float>>(units, true);
    m->add<Flatten<float>>();
    m->add<Dense<float>>(dense);
    m->add<Dropout<float>>(0.3);
    m->add<Dense<float>>(vocabulary);
    m->build({T, 1}, seed);
    return m;
}

// Sequences whose next token is a function of the last one: learnable.
ArrayData<float> toy_data(int N, int T, int V, uint64_t seed) {
    Tensor<float> x({N, T, 1});
    std::vector<int32_t> y(static_cast<size_t>(N));
    RandomSequence r(seed, RandomStream::sample, 0, 0);
    for (int n = 0; n < N; ++n) {
        int tok = int(r.below(uint64_t(V)));
        for (int t = 0; t < T; ++t) {
            x[(int64_t(n) * T + t)] = float(tok) / float(V);
            tok = (tok * 3 + 1) % V;
        }
        y[size_t(n)] = tok;
    }
    return ArrayData<float>(std::move(x), y);
}

std::string temp_path(const std::string& name) { return "cadenza_test_" + name; }

}  // namespace

TEST_CASE("The paper's model prints the rows of its Fig. 7", "[model][summary]") {
    auto m = paper_model(373);
    std::string s = m->summary();
    CHECK_THAT(s, Catch::Contains("lstm (LSTM)                 (None, 100, 128)         66,560"));
    CHECK_THAT(s, Catch::Contains("dropout (Dropout)           (None, 100, 128)         0"));
    CHECK_THAT(s, Catch::Contains("lstm_1 (LSTM)               (None, 100, 128)         131,584"));
    CHECK_THAT(s, Catch::Contains("flatten (Flatten)           (None, 12800)            0"));
    CHECK_THAT(s, Catch::Contains("dense (Dense)               (None, 256)              3,277,056"));
    CHECK_THAT(s, Catch::Contains("dropout_1 (Dropout)         (None, 256)              0"));
    CHECK_THAT(s, Catch::Contains("dense_1 (Dense)             (None, 373)              95,861"));
    CHECK_THAT(s, Catch::Contains("activation (Activation)     (None, 373)              0"));
    CHECK_THAT(s, Catch::EndsWith("Total params: 3,571,061\nTrainable params: 3,571,061\n"
                                  "Non-trainable params: 0\n"
                                  "_________________________________________________________________\n"));
    CHECK(m->parameter_count() == 3571061);
}

TEST_CASE("The same seed gives the same weights and the same losses", "[model][determinism]") {
    auto data = toy_data(64, 8, 11, 1);
    std::vector<double> losses[2];
    for (int run = 0; run < 2; ++run) {
        auto m = paper_model(11, 8, 16, 32, 7);
        FitOptions o;
        o.batch_size = 16;
        o.epochs = 2;
        for (auto& s : m->fit(data, o)) losses[run].push_back(s.loss);
    }
    REQUIRE(losses[0].size() == 2);
    CHECK(losses[0] == losses[1]);
    auto other = paper_model(11, 8, 16, 32, 8);
    FitOptions o;
    o.batch_size = 16;
    o.epochs = 1;
    CHECK(other->fit(data, o)[0].loss != losses[0][0]);
}

TEST_CASE("One, two and three threads train to the same bits", "[model][determinism]") {
    // Shapes large enough that every parallel path runs: batch slices of the
    // time loops (16 rows per thread at least), products split by rows and by
    // panels, packed weights, the fused steps, dropout, Adam, clipping.
    // The second recurrent layer is an LSTM, then a GRU.
    auto data = toy_data(96, 12, 37, 3);
    for (bool gru : {false, true}) {
    INFO((gru ? "LSTM + GRU" : "two LSTMs"));
    std::vector<float> params[3];
    std::vector<double> losses[3];
    for (int threads = 1; threads <= 3; ++threads) {
        auto m = std::make_unique<Sequential<float>>(std::make_shared<EigenBackend<float>>(threads));
        m->add<Lstm<float>>(64, true);
        m->add<Dropout<float>>(0.2);
        if (gru) m->add<Gru<float>>(48, true);
        else m->add<Lstm<float>>(48, true);
        m->add<Flatten<float>>();
        m->add<Dense<float>>(40);
        m->add<Dense<float>>(37);
        m->build({12, 1}, 5);
        AdamOptions adam;
        adam.lr = 3e-3;
        adam.clip_norm = 1.0;
        m->set_optimizer(std::make_unique<Adam<float>>(adam));
        FitOptions o;
        o.batch_size = 48;
        o.epochs = 2;
        for (auto& e : m->fit(data, o)) losses[threads - 1].push_back(e.loss);
        const Tensor<float>& p = m->parameters();
        params[threads - 1].assign(p.data(), p.data() + p.numel());
    }
    for (int t : {1, 2}) {
        INFO((t + 1) << " threads against 1");
        CHECK(losses[t] == losses[0]);
        CHECK(params[t] == params[0]);  // bit for bit
    }
    }
}

TEST_CASE("Training learns a deterministic sequence rule", "[model][learning]") {
    auto data = toy_data(256, 6, 7, 2);
    Sequential<float> m;
    m.add<Lstm<float>>(32, false);
    m.add<Dense<float>>(7);
    m.build({6, 1}, 3);
    m.set_optimizer(std::make_unique<Adam<float>>(AdamOptions{0.01}));
    FitOptions o;
    o.batch_size = 32;
    o.epochs = 30;
    auto h = m.fit(data, o, &data);
    CHECK(h.back().loss < 0.5 * h.front().loss);
    CHECK(h.back().val_accuracy > 0.9);
    auto probs = m.predict(Tensor<float>({6, 1, 1}));
    double sum = 0;
    for (int64_t i = 0; i < probs.numel(); ++i) sum += probs[i];
    CHECK(sum == Approx(1.0).epsilon(1e-5));
}

TEST_CASE("A checkpoint rebuilds the model and resumes training exactly", "[model][io]") {
    auto data = toy_data(96, 8, 9, 3);
    FitOptions o;
    o.batch_size = 32;
    o.epochs = 4;
    // Uninterrupted: 4 epochs.
    auto full = paper_model(9, 8, 12, 20, 11);
    auto h_full = full->fit(data, o);
    // Interrupted after 2, saved, reloaded, resumed for 2 more.
    auto first = paper_model(9, 8, 12, 20, 11);
    o.epochs = 2;
    auto h1 = first->fit(data, o);
    const std::string path = temp_path("resume.cdz");
    io::save_model(*first, path);
    auto resumed = io::load_model<float>(path);
    CHECK(resumed->summary() == first->summary());
    o.initial_epoch = 2;
    o.epochs = 4;
    auto h2 = resumed->fit(data, o);
    REQUIRE(h2.size() == 2);
    CHECK(h1[0].loss == h_full[0].loss);
    CHECK(h1[1].loss == h_full[1].loss);
    CHECK(h2[0].loss == h_full[2].loss);
    CHECK(h2[1].loss == h_full[3].loss);
    std::remove(path.c_str());
}

TEST_CASE("Corrupt or mismatched checkpoints give one clear error", "[io]") {
    auto m = paper_model(5, 4, 4, 6, 1);
    io::Container c;
    io::save_model(*m, c);
    std::string bytes = c.serialize();

    CHECK_THROWS_WITH(io::Container::parse("", "ck"), Catch::Contains("ck: the file is empty"));
    CHECK_THROWS_WITH(io::Container::parse("hello world, not a checkpoint", "ck"),
                      Catch::Contains("not a Cadenza file"));
    CHECK_THROWS_WITH(io::Container::parse(bytes.substr(0, bytes.size() / 2), "ck"),
                      Catch::Contains("truncated"));
    std::string flipped = bytes;
    flipped[flipped.size() - 10] ^= 0x40;
    CHECK_THROWS_WITH(io::Container::parse(flipped, "ck"), Catch::Contains("fails its checksum"));
    std::string version = bytes;
    version[8] = 9;
    CHECK_THROWS_WITH(io::Container::parse(version, "ck"), Catch::Contains("format version 9"));
    // A huge section length in a tiny file: refused before any allocation.
    std::string huge = bytes.substr(0, 16);
    io::ByteWriter w;
    w.put<uint16_t>(1);
    w.put_bytes("a", 1);
    w.put<uint64_t>(uint64_t(1) << 60);
    w.put<uint32_t>(0);
    huge[12] = 1, huge[13] = huge[14] = huge[15] = 0;
    CHECK_THROWS_WITH(io::Container::parse(huge + w.str(), "ck"), Catch::Contains("truncated"));

    // Weights of another model: the count is named.
    auto bigger = paper_model(6, 4, 4, 6, 1);
    CHECK_THROWS_WITH(io::load_parameters(*bigger, c), Catch::Contains("parameters but the model has"));
    // A float checkpoint read as double.
    CHECK_THROWS_WITH(io::load_model<double>(c, std::make_shared<EigenBackend<double>>()),
                      Catch::Contains("saved as float32"));
    // A missing file.
    CHECK_THROWS_WITH(io::load_model<float>(temp_path("does-not-exist")),
                      Catch::Contains("cannot open the file"));
}

namespace {

// The files in the folder of `path` whose names start with its name.
std::vector<std::string> files_like(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path p = fs::absolute(path);
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(p.parent_path()))
        if (e.path().filename().string().rfind(p.filename().string(), 0) == 0)
            found.push_back(e.path().filename().string());
    std::sort(found.begin(), found.end());
    return found;
}

std::string bytes_of(const std::string& path) { return io::read_file(path); }

}  // namespace

TEST_CASE("Checkpoints are written atomically: the old file survives a failed write", "[io]") {
    auto m = paper_model(5, 4, 4, 6, 1);
    const std::string path = temp_path("atomic.cdz");
    io::save_model(*m, path);
    const std::string old_bytes = bytes_of(path);
    CHECK(files_like(path) == std::vector<std::string>{"cadenza_test_atomic.cdz"});  // no temporary left
    auto back = io::load_model<float>(path);
    CHECK(back->parameter_count() == m->parameter_count());
    for (int64_t i = 0; i < m->parameter_count(); ++i) REQUIRE(back->parameters()[i] == m->parameters()[i]);

    // A model that would write other bytes.
    auto other = paper_model(5, 4, 4, 6, 2);

    SECTION("the write itself fails (the file size limit, as a full disk)") {
        struct rlimit old_limit {};
        REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
        struct rlimit small = old_limit;
        small.rlim_cur = 1000;  // bytes; the checkpoint is larger
        auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
        CHECK_THROWS_WITH(io::save_model(*other, path), Catch::Contains(path) && Catch::Contains("writing failed"));
        REQUIRE(setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
        std::signal(SIGXFSZ, old_handler);
    }
    SECTION("the program stops between writing and renaming") {
        io::set_write_hook([](const char* point, const std::string&) {
            if (std::string(point) == "written") throw std::runtime_error("stopped before the rename");
        });
        CHECK_THROWS_WITH(io::save_model(*other, path), "stopped before the rename");
        io::set_write_hook(nullptr);
    }
    CHECK(bytes_of(path) == old_bytes);
    CHECK(files_like(path) == std::vector<std::string>{"cadenza_test_atomic.cdz"});
    // And a write that succeeds replaces it.
    io::save_model(*other, path);
    CHECK(bytes_of(path) != old_bytes);
    std::remove(path.c_str());
}

TEST_CASE("Temporary names are unique, so two writers of one file never mix their bytes", "[io]") {
    const std::string path = temp_path("two-writers.txt");
    std::vector<std::string> seen;
    io::set_write_hook([](const char* point, const std::string& target) {
        if (std::string(point) != "written") return;
        // Inside the first write, a second write of the same target completes.
        static bool nested = false;
        if (nested) return;
        nested = true;
        io::write_file_atomically(target, std::string(100000, 'b'));
        nested = false;
    });
    io::write_file_atomically(path, std::string(100000, 'a'));
    io::set_write_hook(nullptr);
    // The outer write renamed last: its bytes, whole.
    CHECK(bytes_of(path) == std::string(100000, 'a'));
    CHECK(files_like(path) == std::vector<std::string>{"cadenza_test_two-writers.txt"});
    std::remove(path.c_str());
}

TEST_CASE("An inference pass between training steps changes nothing", "[model][determinism]") {
    // Inference lets Dropout (and Flatten of rank-2 input) pass their input
    // through as their output; the next training pass must then write its
    // output into memory of its own, not into that input (once it wrote the
    // dropped-out values into the LSTM's saved states, and training after a
    // validation pass differed from training without one).
    auto a = paper_model(7, 6, 8, 12, 3), b = paper_model(7, 6, 8, 12, 3);
    const ArrayData<float> data = toy_data(10, 6, 7, 4);
    Tensor<float> x({6, 5, 1});
    std::vector<int32_t> targets(5);
    std::vector<int64_t> samples = {0, 1, 2, 3, 4};
    data.fill(samples.data(), 5, x.data(), targets.data());
    for (int step = 0; step < 3; ++step) {
        a->forward(x, Mode::infer);  // a validation pass of the same batch size
        a->train_batch(x, targets.data());
        b->train_batch(x, targets.data());
    }
    for (int64_t i = 0; i < a->parameter_count(); ++i) REQUIRE(a->parameters()[i] == b->parameters()[i]);
}

TEST_CASE("A NaN loss stops training before the weights change", "[model]") {
    auto m = paper_model(5, 4, 4, 6, 1);
    Tensor<float> x({4, 2, 1});
    x[0] = std::numeric_limits<float>::quiet_NaN();
    std::vector<int32_t> t = {1, 2};
    Tensor<float> before = m->parameters().clone();
    CHECK_THROWS_WITH(m->train_batch(x, t.data()), Catch::Contains("the loss became NaN at step 1"));
    for (int64_t i = 0; i < before.numel(); ++i) REQUIRE(before[i] == m->parameters()[i]);
}

TEST_CASE("Gradient clipping by global norm bounds the update", "[adam]") {
    ReferenceBackend<double> be;
    Tensor<double> p({3}), g({3});
    g[0] = 30, g[1] = 40, g[2] = 0;  // norm 50
    Adam<double> clipped(AdamOptions{0.1, 0.9, 0.999, 1e-7, 5.0});
    clipped.prepare(be, 3);
    clipped.step(be, p.data(), g.data(), 3);
    CHECK(clipped.last_grad_norm() == Approx(50));
    // Adam's first step moves each parameter by lr * sign(g) regardless of scale,
    // so compare the moments: m = (1 - b1) * g * 5/50.
    auto state = clipped.state();
    CHECK((*state[0].second)[0] == Approx(0.1 * 30 * 5 / (50 + 1e-6)));
}
