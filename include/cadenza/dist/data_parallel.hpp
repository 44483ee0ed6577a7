// cadenza/dist/data_parallel.hpp: data-parallel training of a Sequential
// model over the ranks of a Communicator, with results that do not depend on
// the number of ranks.
//
//   MpiSession session(argc, argv);
//   MpiCommunicator comm;
//   Sequential<float> model(...);  ... model.build(shape, seed);   // the same on every rank
//   DataParallel<float> trainer(model, comm);
//   DataParallelOptions o;
//   o.batch_size = 128;     // the global batch, whatever the number of ranks
//   o.micro_batch = 16;     // 8 micro-batches: up to 8 ranks
//   trainer.fit(data, o);   // every rank, collectively
//
// Each global batch is cut into S micro-batches of micro_batch samples (S the
// power of two at or above batch_size / micro_batch; slots past the end of a
// short last batch hold zeros). Rank r of R runs slots [r S/R, (r+1) S/R):
// forward, the loss as a mean over the GLOBAL batch's rows, backward. Their
// gradients are summed in the order of the binary tree over the S slots
// (gradient_tree.hpp), then across ranks in the same tree's order
// (Communicator::allreduce_sum, once per step), so every rank holds the same
// gradient, bit for bit, for any power-of-two R <= S. Clipping and the
// optimizer then run identically on every rank, which keeps the copies equal.
// Dropout masks are keyed by the sample's row in the global batch
// (ForwardContext::row_offset), the shuffle by the seed and the epoch: nothing
// depends on R. A stateful model (the stream model) keeps each slot's carried
// state apart, so slot s always continues slot s's lanes.
#pragma once

#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>
#include <vector>

#include "cadenza/dist/communicator.hpp"
#include "cadenza/dist/gradient_tree.hpp"
#include "cadenza/model/sequential.hpp"

namespace cadenza::dist {

struct DataParallelOptions {
    int64_t batch_size = 128;  // samples per optimizer step, whatever the number of ranks
    int64_t micro_batch = 32;  // samples per micro-batch: the unit of work, a leaf of the sum
    int epochs = 1;
    int initial_epoch = 0;     // epochs already done (resuming)
    bool shuffle = true;
    // As FitOptions: the rate of epoch e, and a call after every epoch (on
    // every rank, with the same numbers; return false to stop).
    std::function<double(int epoch)> learning_rate;
    std::function<bool(const EpochStats&)> on_epoch;
};

// Where the time of the last training step went, on this rank.
struct StepTimes {
    double compute = 0;  // forward, backward and the local tree of this rank's slots
    double reduce = 0;   // the all-reduce of the gradients and the statistics
    double update = 0;   // clipping and the optimizer
};

template <class T>
class DataParallel {
public:
    DataParallel(Sequential<T>& model, Communicator& comm) : model_(model), comm_(comm) {}

    // Every rank: the same model (parameter count), the same data
    // (fingerprint), then rank 0's parameters and step count on every rank.
    // fit() calls it; call it yourself after loading a checkpoint elsewhere.
    void synchronize(const BatchSource<T>& train) {
        const int64_t n = model_.parameter_count();
        if (!comm_.all_equal(uint64_t(n)))
            throw DistError(detail::concat("rank ", comm_.rank(), ": the ranks' models differ (this rank's has ", n,
                                           " parameters)"));
        const uint64_t fp = data_fingerprint(train);
        if (!comm_.all_equal(fp))
            throw DistError(detail::concat("rank ", comm_.rank(), ": the ranks' training data differ (",
                                           train.size(), " samples of shape ", train.sample_shape().str(),
                                           ", fingerprint ", fp, " here): give every rank the same corpus"));
        std::vector<T> host(static_cast<size_t>(n));
        model_.backend().download(model_.parameters().data(), host.data(), n);
        comm_.broadcast(host.data(), int64_t(host.size() * sizeof(T)), 0);
        model_.backend().upload(host.data(), model_.parameters().data(), n);
        int64_t steps = model_.optimizer().steps();
        comm_.broadcast(&steps, sizeof(steps), 0);
        model_.optimizer().set_steps(steps);
    }

    std::vector<EpochStats> fit(const BatchSource<T>& train, const DataParallelOptions& o,
                                const BatchSource<T>* validation = nullptr) {
        check_options(o);
        synchronize(train);
        std::vector<EpochStats> history;
        const int64_t N = train.size();
        std::vector<int64_t> order(static_cast<size_t>(N));
        for (int epoch = o.initial_epoch; epoch < o.epochs; ++epoch) {
            const auto t0 = std::chrono::steady_clock::now();
            if (o.learning_rate) model_.optimizer().set_learning_rate(o.learning_rate(epoch));
            std::iota(order.begin(), order.end(), int64_t(0));
            if (o.shuffle) shuffle_indices(order.data(), uint64_t(N), model_.seed(), uint64_t(epoch));
            reset_lanes();
            double totals[4] = {0, 0, 0, 0};  // loss sum, rows, top-1, top-k: summed batch by batch, in order
            for (int64_t begin = 0; begin < N; begin += o.batch_size) {
                const std::vector<double>& s = train_step(train, order, begin, std::min(N, begin + o.batch_size), o);
                for (int k = 0; k < 4; ++k) totals[k] += s[size_t(k)];
            }
            EpochStats e;
            e.epoch = epoch + 1;
            e.loss = totals[1] > 0 ? totals[0] / totals[1] : 0;
            e.accuracy = totals[1] > 0 ? totals[2] / totals[1] : 0;
            e.top_k_accuracy = totals[1] > 0 ? totals[3] / totals[1] : 0;
            if (validation) {
                const LossResult v = evaluate(*validation, o);
                e.has_validation = true;
                e.val_loss = v.mean_loss();
                e.val_accuracy = v.accuracy();
                e.val_top_k_accuracy = v.rows ? double(v.correct_top_k) / double(v.rows) : 0;
            }
            e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            history.push_back(e);
            if (o.on_epoch && !o.on_epoch(e)) break;
        }
        return history;
    }

    // Loss and accuracy over a data set in inference mode, in order, cut and
    // summed as in training: every rank gets the same numbers for any R.
    LossResult evaluate(const BatchSource<T>& data, const DataParallelOptions& o) {
        check_options(o);
        const int64_t N = data.size();
        std::vector<int64_t> order(static_cast<size_t>(N));
        std::iota(order.begin(), order.end(), int64_t(0));
        reset_lanes();
        double totals[4] = {0, 0, 0, 0};
        for (int64_t begin = 0; begin < N; begin += o.batch_size) {
            const int64_t end = std::min(N, begin + o.batch_size);
            stats_.clear();
            for_my_slots(o, begin, end, [&](int64_t slot, int64_t b0, int64_t b1) {
                if (b0 >= b1) return stats_.push_zeros();
                run_micro_batch(data, order, b0, b1, slot, slot * o.micro_batch, end - begin, false);
                stats_.push(last_stats_);
            });
            comm_.allreduce_sum(stats_.result().data(), 4);
            for (int k = 0; k < 4; ++k) totals[k] += stats_.result()[size_t(k)];
        }
        reset_lanes();
        LossResult r;
        r.loss_sum = totals[0];
        r.rows = int64_t(totals[1]);
        r.correct = int64_t(totals[2]);
        r.correct_top_k = int64_t(totals[3]);
        return r;
    }

    const StepTimes& last_step_times() const { return times_; }
    Communicator& communicator() { return comm_; }

    // One optimizer step on the global batch order[begin, end) (every rank,
    // collectively; fit() calls it for each batch); returns the batch's
    // summed loss, rows, top-1 and top-k hits.
    const std::vector<double>& train_batch(const BatchSource<T>& data, const std::vector<int64_t>& order,
                                           int64_t begin, int64_t end, const DataParallelOptions& o) {
        check_options(o);
        return train_step(data, order, begin, end, o);
    }

private:
    using Clock = std::chrono::steady_clock;

    int64_t slots(const DataParallelOptions& o) const {
        return power_of_two_at_least((o.batch_size + o.micro_batch - 1) / o.micro_batch);
    }
    void check_options(const DataParallelOptions& o) const {
        CADENZA_CHECK(o.batch_size > 0 && o.micro_batch > 0 && o.micro_batch <= o.batch_size,
                      "data parallel: need 0 < micro_batch <= batch_size, got ", o.micro_batch, " and ",
                      o.batch_size);
        const int R = comm_.size();
        if ((R & (R - 1)) != 0 || R > slots(o))
            throw DistError(detail::concat("rank ", comm_.rank(), ": ", R, " ranks cannot share ", slots(o),
                                           " micro-batches per step (batch ", o.batch_size, ", micro-batch ",
                                           o.micro_batch, "): the number of ranks must be a power of two up to ",
                                           slots(o)));
    }

    // fn(slot, b0, b1) for this rank's slots of the global batch [begin, end),
    // in order; b0 >= b1 for a slot past the end.
    template <class Fn>
    void for_my_slots(const DataParallelOptions& o, int64_t begin, int64_t end, Fn&& fn) {
        const int64_t S = slots(o), R = comm_.size(), r = comm_.rank();
        for (int64_t slot = r * S / R; slot < (r + 1) * S / R; ++slot) {
            const int64_t b0 = begin + slot * o.micro_batch, b1 = std::min(end, b0 + o.micro_batch);
            fn(slot, b0, std::max(b0, b1));
        }
    }

    // One optimizer step on the global batch order[begin, end); returns the
    // batch's summed statistics (loss sum, rows, top-1, top-k hits).
    const std::vector<double>& train_step(const BatchSource<T>& data, const std::vector<int64_t>& order,
                                          int64_t begin, int64_t end, const DataParallelOptions& o) {
        const int64_t n = model_.parameter_count();
        if (!grads_) grads_ = std::make_unique<TreeSum<T>>(n);
        grads_->clear();
        stats_.clear();
        const auto t0 = Clock::now();
        for_my_slots(o, begin, end, [&](int64_t slot, int64_t b0, int64_t b1) {
            if (b0 >= b1) {
                grads_->push_zeros();
                return stats_.push_zeros();
            }
            run_micro_batch(data, order, b0, b1, slot, slot * o.micro_batch, end - begin, true);
            grads_->push_filled([&](T* leaf) { model_.backend().download(model_.gradients().data(), leaf, n); });
            stats_.push(last_stats_);
        });
        const auto t1 = Clock::now();
        std::vector<T>& g = grads_->result();
        comm_.allreduce_sum(g.data(), n);
        comm_.allreduce_sum(stats_.result().data(), 4);
        const auto t2 = Clock::now();
        const std::vector<double>& s = stats_.result();
        if (!std::isfinite(s[0]))
            throw DivergedError(detail::concat("the loss became ", std::isnan(s[0]) ? "NaN" : "infinite", " at step ",
                                               model_.optimizer().steps() + 1,
                                               "; stopping before the weights are changed"));
        model_.backend().upload(g.data(), model_.gradients().data(), n);
        model_.optimizer().step(model_.backend(), model_.parameters().data(), model_.gradients().data(), n);
        const auto t3 = Clock::now();
        times_ = {seconds(t0, t1), seconds(t1, t2), seconds(t2, t3)};
        return s;
    }

    // Forward (and, training, backward into the zeroed gradients) of the
    // micro-batch order[b0, b1) in `slot`, rows [offset, ...) of a global
    // batch of `global` samples; the loss is a mean over the global batch's
    // targets. Leaves the micro-batch's statistics in last_stats_.
    void run_micro_batch(const BatchSource<T>& data, const std::vector<int64_t>& order, int64_t b0, int64_t b1,
                         int64_t slot, int64_t offset, int64_t global, bool train) {
        const int64_t B = b1 - b0, per = data.targets_per_sample();
        model_.load_batch(data, order.data() + b0, B);
        swap_lane(slot, train);
        const Tensor<T>& logits = model_.forward(model_.batch_input(), train ? Mode::train : Mode::infer, offset, global);
        LossResult r = model_.loss().evaluate(model_.backend(), logits, model_.batch_targets(),
                                              train ? &dlogits_ : nullptr, double(global * per));
        if (train) {
            model_.zero_gradients();
            model_.backward(dlogits_);
        }
        swap_lane(slot, train);
        last_stats_[0] = r.loss_sum;
        last_stats_[1] = double(r.rows);
        last_stats_[2] = double(r.correct);
        last_stats_[3] = double(r.correct_top_k);
    }

    // Stateful layers: slot s's carried state is swapped in before its
    // micro-batch and out after it (handles only, no copies).
    void swap_lane(int64_t slot, bool train) {
        auto& lanes = train ? train_lanes_ : eval_lanes_;
        if (lanes.size() <= size_t(slot)) lanes.resize(size_t(slot) + 1);
        auto& saved = lanes[size_t(slot)];
        size_t k = 0;
        for (size_t i = 0; i < model_.size(); ++i)
            for (Tensor<T>* t : model_.layer(i).carried_state()) {
                if (saved.size() <= k) saved.resize(k + 1);
                std::swap(*t, saved[k++]);
            }
    }
    void reset_lanes() {
        for (size_t i = 0; i < model_.size(); ++i) model_.layer(i).reset_state();
        train_lanes_.clear();
        eval_lanes_.clear();
    }

    // FNV-1a over every sample and target, in order, and the data's shape.
    uint64_t data_fingerprint(const BatchSource<T>& d) {
        const int64_t N = d.size(), chunk = 256;
        const Shape s = d.sample_shape();
        uint64_t h = fingerprint(&N, sizeof(N));
        for (int i = 0; i < s.rank(); ++i) {
            const int64_t dim = s[i];
            h = fingerprint(&dim, sizeof(dim), h);
        }
        std::vector<int64_t> idx;
        std::vector<T> x;
        std::vector<int32_t> y;
        for (int64_t b = 0; b < N; b += chunk) {
            const int64_t B = std::min(chunk, N - b);
            idx.resize(size_t(B));
            std::iota(idx.begin(), idx.end(), b);
            x.resize(size_t(B * s.numel()));
            y.resize(size_t(B * d.targets_per_sample()));
            d.fill(idx.data(), B, x.data(), y.data());
            h = fingerprint(x.data(), x.size() * sizeof(T), h);
            h = fingerprint(y.data(), y.size() * sizeof(int32_t), h);
        }
        return h;
    }

    static double seconds(Clock::time_point a, Clock::time_point b) {
        return std::chrono::duration<double>(b - a).count();
    }

    Sequential<T>& model_;
    Communicator& comm_;
    std::unique_ptr<TreeSum<T>> grads_;
    TreeSum<double> stats_{4};
    double last_stats_[4] = {0, 0, 0, 0};
    Tensor<T> dlogits_;
    std::vector<std::vector<Tensor<T>>> train_lanes_, eval_lanes_;
    StepTimes times_;
};

}  // namespace cadenza::dist
