// The parts of data-parallel training that need no MPI: the tree-ordered sum,
// dropout masks keyed by the global row, and DataParallel on one process
// against Sequential::fit. tests/dist/run_dist.sh runs it under mpirun.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "cadenza/cadenza.hpp"
#include "cadenza/dist/data_parallel.hpp"

using namespace cadenza;

namespace {

std::vector<float> random_floats(int64_t n, uint64_t seed) {
    std::vector<float> v(static_cast<size_t>(n));
    RandomSequence r(seed, RandomStream::sample, 0, 0);
    for (auto& x : v) x = float(r.uniform(-1, 1) * std::pow(10.0, r.uniform(-3, 3)));
    return v;
}

ArrayData<float> toy(int N, int T, int V) {
    Tensor<float> x({N, T, 1});
    std::vector<int32_t> y(static_cast<size_t>(N));
    for (int n = 0; n < N; ++n) {
        for (int t = 0; t < T; ++t) x[n * T + t] = float((n + 2 * t) % V) / V;
        y[size_t(n)] = (n * 3 + 1) % V;
    }
    return ArrayData<float>(std::move(x), std::move(y));
}

std::unique_ptr<Sequential<float>> small_model() {
    auto m = std::make_unique<Sequential<float>>(std::make_shared<EigenBackend<float>>(1));
    m->add<Lstm<float>>(6, true);
    m->add<Dropout<float>>(0.3);
    m->add<Flatten<float>>();
    m->add<Dense<float>>(5);
    m->set_optimizer(std::make_unique<Adam<float>>(AdamOptions{1e-2}));
    m->build({4, 1}, 3);
    return m;
}

// R ranks as threads of one process, with mailboxes: enough of a
// Communicator to run reduce_tree's exchanges without MPI (sends are buffered).
struct Mailboxes {
    std::mutex m;
    std::condition_variable arrived;
    std::map<std::tuple<int, int, int>, std::deque<std::vector<char>>> box;  // (from, to, tag)
};

class ThreadCommunicator final : public dist::Communicator {
public:
    ThreadCommunicator(Mailboxes& mail, int rank, int size) : mail_(mail), rank_(rank), size_(size) {}
    std::string name() const override { return "threads"; }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    void allreduce_sum(float* data, int64_t n) override { doubling(data, n); }
    void allreduce_sum(double* data, int64_t n) override { doubling(data, n); }
    void broadcast(void* data, int64_t bytes, int root) override {
        if (rank_ == root) {
            for (int r = 0; r < size_; ++r)
                if (r != root) send(data, bytes, r, -1);
        } else {
            receive(data, bytes, root, -1);
        }
    }
    void send(const void* data, int64_t bytes, int to, int tag) override {
        const char* p = static_cast<const char*>(data);
        std::lock_guard<std::mutex> lock(mail_.m);
        mail_.box[{rank_, to, tag}].emplace_back(p, p + bytes);
        mail_.arrived.notify_all();
    }
    void receive(void* data, int64_t bytes, int from, int tag) override {
        std::unique_lock<std::mutex> lock(mail_.m);
        auto& q = mail_.box[{from, rank_, tag}];
        mail_.arrived.wait(lock, [&] { return !q.empty(); });
        if (int64_t(q.front().size()) != bytes) {  // Catch's assertions are not for other threads
            std::fprintf(stderr, "rank %d: %zu bytes from rank %d, expected %lld\n", rank_, q.front().size(), from,
                         (long long)bytes);
            std::abort();
        }
        std::copy(q.front().begin(), q.front().end(), static_cast<char*>(data));
        q.pop_front();
    }
    void barrier() override {}
    bool all_equal(uint64_t) override { return true; }
    void abort_all(int) override {}

private:
    template <class V>
    void doubling(V* data, int64_t n) {
        std::vector<V> other(static_cast<size_t>(n));
        for (int step = 1; step < size_; step <<= 1) {
            send(data, n * int64_t(sizeof(V)), rank_ ^ step, 1000 + step);
            receive(other.data(), n * int64_t(sizeof(V)), rank_ ^ step, 1000 + step);
            for (int64_t i = 0; i < n; ++i) data[i] += other[size_t(i)];
        }
    }
    Mailboxes& mail_;
    int rank_, size_;
};

}  // namespace

TEST_CASE("The tree's sum is the same bits on any number of ranks, aligned or not", "[dist]") {
    const int64_t n = 300;
    for (int64_t work = 1; work <= 9; ++work) {
        const int64_t S = dist::power_of_two_at_least(work);
        std::vector<std::vector<float>> leaves;
        for (int64_t k = 0; k < work; ++k) leaves.push_back(random_floats(n, 500 + uint64_t(k)));
        dist::TreeSum<float> one(n);
        for (int64_t k = 0; k < S; ++k) k < work ? one.push(leaves[size_t(k)].data()) : one.push_zeros();
        const std::vector<float> expected = one.result();
        for (int R = 1; R <= 7; ++R) {
            const dist::SlotLayout layout(work, R);
            // Every leaf has one owner, the ranges tile [0, S) in rank order.
            int64_t covered = 0;
            for (int r = 0; r < R; ++r) {
                CHECK(layout.first(r) == covered);
                for (int64_t k = layout.first(r); k < layout.end(r); ++k) CHECK(layout.owner(k) == r);
                covered = layout.end(r);
            }
            CHECK(covered == S);
            Mailboxes mail;
            std::vector<std::vector<float>> got(static_cast<size_t>(R));
            std::vector<std::thread> ranks;
            for (int r = 0; r < R; ++r)
                ranks.emplace_back([&, r] {
                    ThreadCommunicator comm(mail, r, R);
                    dist::TreeSum<float> mine(n, layout.first(r));
                    for (int64_t k = layout.first(r); k < layout.end(r); ++k)
                        k < work ? mine.push(leaves[size_t(k)].data()) : mine.push_zeros();
                    got[size_t(r)] = dist::reduce_tree(mine, layout, comm);
                });
            for (auto& t : ranks) t.join();
            INFO(work << " micro-batches on " << R << " ranks (" << (layout.aligned() ? "aligned" : "exchange") << ")");
            for (int r = 0; r < R; ++r) CHECK(got[size_t(r)] == expected);
            for (auto& [key, q] : mail.box) CHECK(q.empty());  // nothing sent that nobody read
        }
    }
    CHECK(dist::SlotLayout(8, 4).aligned());
    CHECK(dist::SlotLayout(3, 4).aligned());
    CHECK_FALSE(dist::SlotLayout(8, 3).aligned());
    CHECK_FALSE(dist::SlotLayout(2, 4).aligned());
}

TEST_CASE("A tree-ordered sum is the same however its leaves are shared out", "[dist]") {
    const int64_t n = 2000;
    std::vector<std::vector<float>> leaves;
    for (int k = 0; k < 8; ++k) leaves.push_back(random_floats(n, 100 + k));
    dist::TreeSum<float> whole(n);
    for (auto& l : leaves) whole.push(l.data());
    const std::vector<float> total = whole.result();
    // Two "ranks" of 4 leaves, or four of 2, then the tree above them.
    for (int ranks : {2, 4, 8}) {
        std::vector<std::vector<float>> parts;
        for (int r = 0; r < ranks; ++r) {
            dist::TreeSum<float> part(n);
            for (int k = r * 8 / ranks; k < (r + 1) * 8 / ranks; ++k) part.push(leaves[size_t(k)].data());
            parts.push_back(part.result());
        }
        for (size_t step = 1; step < parts.size(); step *= 2)
            for (size_t r = 0; r < parts.size(); r += 2 * step)
                for (int64_t i = 0; i < n; ++i) parts[r][size_t(i)] += parts[r + step][size_t(i)];
        INFO(ranks << " parts");
        CHECK(parts[0] == total);  // bit for bit
    }
    // The order matters: adding left to right gives other bits somewhere.
    std::vector<float> serial(size_t(n), 0.0f);
    for (auto& l : leaves)
        for (int64_t i = 0; i < n; ++i) serial[size_t(i)] += l[size_t(i)];
    CHECK(serial != total);
    dist::TreeSum<float> three(n);
    for (int k = 0; k < 3; ++k) three.push(leaves[size_t(k)].data());
    CHECK_THROWS_WITH(three.result(), Catch::Contains("3 leaves from leaf 0 do not make a complete binary tree"));
    three.push_zeros();
    CHECK(three.result().size() == size_t(n));
    CHECK(dist::power_of_two_at_least(5) == 8);
    CHECK(dist::power_of_two_at_least(1) == 1);
}

TEST_CASE("Dropout keys a micro-batch's masks by its rows in the global batch", "[dist][dropout]") {
    for (int F : {4, 3}) {  // 3: keys that start inside a Philox block of 4
        for (bool eigen : {false, true}) {
            std::shared_ptr<Backend<float>> be = eigen ? std::shared_ptr<Backend<float>>(std::make_shared<EigenBackend<float>>(1))
                                                       : std::make_shared<ReferenceBackend<float>>();
            Dropout<float> d(0.4);
            d.attach(be.get(), 2);
            d.build({3, F});
            auto k_whole = d.make_cache(), k_part = d.make_cache();
            Tensor<float> x({3, 6, F}), part({3, 3, F});
            for (int64_t i = 0; i < x.numel(); ++i) x[i] = 1.0f + float(i);
            for (int t = 0; t < 3; ++t)
                for (int b = 0; b < 3; ++b)
                    for (int f = 0; f < F; ++f) part[(t * 3 + b) * F + f] = x[(t * 6 + b + 2) * F + f];
            Tensor<float> y_whole = d.forward(x, *k_whole, ForwardContext{Mode::train, 7, 5}).clone();
            const Tensor<float>& y_part = d.forward(part, *k_part, ForwardContext{Mode::train, 7, 5, 2, 6});
            INFO("F = " << F << (eigen ? ", Eigen" : ", reference"));
            int64_t dropped = 0;
            for (int t = 0; t < 3; ++t)
                for (int b = 0; b < 3; ++b)
                    for (int f = 0; f < F; ++f) {
                        CHECK(y_part[(t * 3 + b) * F + f] == y_whole[(t * 6 + b + 2) * F + f]);
                        dropped += y_part[(t * 3 + b) * F + f] == 0.0f;
                    }
            CHECK(dropped > 0);
        }
    }
}

TEST_CASE("DataParallel on one process: one micro-batch per step is Sequential::fit, bit for bit", "[dist]") {
    ArrayData<float> data = toy(23, 4, 5);
    auto plain = small_model(), parallel = small_model();
    FitOptions fit;
    fit.batch_size = 8;
    fit.epochs = 3;
    auto h1 = plain->fit(data, fit);
    dist::LocalCommunicator comm;
    dist::DataParallel<float> trainer(*parallel, comm);
    dist::DataParallelOptions o;
    o.batch_size = 8;
    o.micro_batch = 8;
    o.epochs = 3;
    auto h2 = trainer.fit(data, o);
    const int64_t P = plain->parameter_count();
    CHECK(std::vector<float>(plain->parameters().data(), plain->parameters().data() + P) ==
          std::vector<float>(parallel->parameters().data(), parallel->parameters().data() + P));
    for (size_t e = 0; e < h1.size(); ++e) CHECK(h1[e].loss == Approx(h2[e].loss).epsilon(1e-12));
}

TEST_CASE("DataParallel: micro-batches sum to the whole batch's gradient; bad splits are refused", "[dist]") {
    ArrayData<float> data = toy(16, 4, 5);
    auto whole = small_model(), cut = small_model();
    dist::LocalCommunicator comm;
    dist::DataParallelOptions o;
    o.batch_size = 16;
    o.micro_batch = 16;
    o.shuffle = false;
    // Dropout masks are keyed by the global row, so the cut batch sees the
    // whole batch's masks: the results agree to rounding.
    dist::DataParallel<float>(*whole, comm).fit(data, o);
    o.micro_batch = 5;  // 4 slots: 5 + 5 + 5 + 1
    dist::DataParallel<float> trainer(*cut, comm);
    trainer.fit(data, o);
    const int64_t P = whole->parameter_count();
    double worst = 0;
    for (int64_t i = 0; i < P; ++i)
        worst = std::max(worst, double(std::fabs(whole->parameters()[i] - cut->parameters()[i])));
    CHECK(worst < 1e-5);
    CHECK(trainer.last_step_times().compute > 0);
    o.micro_batch = 32;
    CHECK_THROWS_WITH(trainer.fit(data, o), Catch::Contains("micro_batch <= batch_size"));
}

TEST_CASE("DataParallel: a stateful stream model cut into micro-batches follows the whole batch (double)", "[dist]") {
    // Embedding -> Dropout -> stateful LSTM -> Dropout -> Dense, a target at
    // every step, 3 batches of 8 lanes per epoch: each slot must carry its own
    // lanes' state from batch to batch and see the whole batch's dropout masks.
    const int N = 24, T = 5, V = 6;
    Tensor<double> x({N, T, 1});
    std::vector<int32_t> y;
    for (int n = 0; n < N; ++n)
        for (int t = 0; t < T; ++t) {
            x[n * T + t] = double((n * 5 + t * 3 + (n * t) % 4) % V);
            y.push_back(int32_t((n + 2 * t + 1) % V));
        }
    ArrayData<double> data(std::move(x), std::move(y));
    auto build = [&] {
        auto m = std::make_unique<Sequential<double>>(std::make_shared<EigenBackend<double>>(1));
        m->add<Embedding<double>>(V, 4);
        m->add<Dropout<double>>(0.3);
        m->add<Lstm<double>>(Lstm<double>::Options{7, true, true});
        m->add<Dropout<double>>(0.25);
        m->add<Dense<double>>(V);
        m->set_optimizer(std::make_unique<Adam<double>>(AdamOptions{1e-2}));
        m->build({T, 1}, 9);
        return m;
    };
    dist::LocalCommunicator comm;
    dist::DataParallelOptions o;
    o.batch_size = 8;
    o.shuffle = false;
    o.epochs = 2;
    auto whole = build();
    o.micro_batch = 8;
    const auto h_whole = dist::DataParallel<double>(*whole, comm).fit(data, o, &data);
    for (int64_t micro : {1, 3, 4}) {
        auto cut = build();
        o.micro_batch = micro;
        const auto h_cut = dist::DataParallel<double>(*cut, comm).fit(data, o, &data);
        double worst = 0;
        for (int64_t i = 0; i < whole->parameter_count(); ++i)
            worst = std::max(worst, std::fabs(whole->parameters()[i] - cut->parameters()[i]));
        INFO("micro-batches of " << micro);
        CHECK(worst < 1e-12);
        CHECK(h_cut.back().loss == Approx(h_whole.back().loss).epsilon(1e-12));
        CHECK(h_cut.back().val_loss == Approx(h_whole.back().val_loss).epsilon(1e-12));
    }
}
