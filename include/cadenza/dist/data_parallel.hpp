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
// Each global batch is cut into micro-batches of micro_batch samples, the
// leaves of a binary tree of S slots (S the power of two at or above
// batch_size / micro_batch; slots past the end hold zeros). Each rank runs a
// contiguous range of slots (gradient_tree.hpp's SlotLayout): forward, the
// loss as a mean over the GLOBAL batch's rows, backward. Their gradients are
// summed in the order of the tree over the S slots, on the rank and then
// across ranks (reduce_tree: one all-reduce per step when R is a power of
// two), so every rank holds the same gradient, bit for bit, for any R. Clipping and the
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

// FitOptions (the epochs, schedule, shuffle and callbacks, called on every
// rank with the same numbers) and the unit of work.
struct DataParallelOptions : FitOptions {
    // Samples per micro-batch: a leaf of the gradient's sum. The results
    // depend on it (and on batch_size), never on the number of ranks.
    int64_t micro_batch = 32;
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
            throw CollectiveError(detail::concat("rank ", comm_.rank(), ": the ranks' models differ (this rank's has ",
                                                 n, " parameters)"));
        const uint64_t fp = comm_.size() > 1 ? data_fingerprint(train) : 0;
        if (!comm_.all_equal(fp))
            throw CollectiveError(detail::concat("rank ", comm_.rank(), ": the ranks' training data differ (",
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
        check_source(train);
        if (validation) check_source(*validation);
        synchronize(train);
        std::vector<EpochStats> history;
        std::vector<int64_t> order;
        for (int epoch = o.initial_epoch; epoch < o.epochs; ++epoch) {
            const auto t0 = Clock::now();
            if (o.schedule) model_.optimizer().set_learning_rate(o.schedule->rate(epoch));
            else if (o.learning_rate) model_.optimizer().set_learning_rate(o.learning_rate(epoch));
            if (o.on_epoch_begin) o.on_epoch_begin(epoch);
            const int64_t N = train.size();  // after on_epoch_begin, which may re-cut the data
            CADENZA_CHECK(N > 0, "epoch ", epoch + 1, " has no training sample");
            order.resize(static_cast<size_t>(N));
            std::iota(order.begin(), order.end(), int64_t(0));
            if (o.shuffle) shuffle_indices(order.data(), uint64_t(N), model_.seed(), uint64_t(epoch));
            reset_lanes();
            double totals[4] = {0, 0, 0, 0};  // loss sum, rows, top-1, top-k: summed batch by batch, in order
            const int64_t batches = o.drop_last ? N / o.batch_size : (N + o.batch_size - 1) / o.batch_size;
            for (int64_t bi = 0; bi < batches; ++bi) {
                const int64_t begin = bi * o.batch_size, end = std::min(N, begin + o.batch_size);
                const std::vector<double>& s = train_step(train, order, begin, end, o);
                for (int k = 0; k < 4; ++k) totals[k] += s[size_t(k)];
                if (o.on_batch) {
                    const double rows = std::max(totals[1], 1.0);
                    o.on_batch(BatchProgress{epoch + 1, bi + 1, batches, totals[0] / rows, totals[2] / rows,
                                             seconds(t0, Clock::now()), end});
                }
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
            e.seconds = seconds(t0, Clock::now());
            if (o.schedule) o.schedule->observe(epoch, e.has_validation ? e.val_loss : e.loss);
            history.push_back(e);
            if (o.on_epoch && !o.on_epoch(e)) break;
        }
        return history;
    }

    // Loss and accuracy over a data set in inference mode, in order, in
    // batches of o.validation_batch (0: batch_size) cut and summed as in
    // training: every rank gets the same numbers for any R.
    LossResult evaluate(const BatchSource<T>& data, const DataParallelOptions& o) {
        check_options(o);
        check_source(data);
        const int64_t N = data.size(), batch = o.validation_batch > 0 ? o.validation_batch : o.batch_size;
        const int64_t micro = std::min(o.micro_batch, batch);
        const SlotLayout layout = slot_layout(batch, micro, comm_.size());
        std::vector<int64_t> order(static_cast<size_t>(N));
        std::iota(order.begin(), order.end(), int64_t(0));
        reset_lanes();
        double totals[4] = {0, 0, 0, 0};
        for (int64_t begin = 0; begin < N; begin += batch) {
            const int64_t end = std::min(N, begin + batch);
            stats_.clear(layout.first(comm_.rank()));
            for_my_slots(layout, micro, begin, end, [&](int64_t slot, int64_t b0, int64_t b1) {
                if (b0 >= b1) return stats_.push_zeros();
                run_micro_batch(data, order, b0, b1, slot, slot * micro, end - begin, false);
                stats_.push(last_stats_);
            });
            const std::vector<double>& s = reduce_tree(stats_, layout, comm_);
            for (int k = 0; k < 4; ++k) totals[k] += s[size_t(k)];
        }
        reset_lanes();
        LossResult r;
        r.loss_sum = totals[0];
        r.rows = int64_t(totals[1]);
        r.correct = int64_t(totals[2]);
        r.correct_top_k = int64_t(totals[3]);
        return r;
    }

    // How `batch` samples in micro-batches of `micro` are shared by R ranks.
    static SlotLayout slot_layout(int64_t batch, int64_t micro, int ranks) {
        return SlotLayout((batch + micro - 1) / micro, ranks);
    }

    const StepTimes& last_step_times() const { return times_; }
    Communicator& communicator() { return comm_; }

    // One optimizer step on the global batch order[begin, end) (every rank,
    // collectively; fit() calls it for each batch); returns the batch's
    // summed loss, rows, top-1 and top-k hits.
    const std::vector<double>& train_batch(const BatchSource<T>& data, const std::vector<int64_t>& order,
                                           int64_t begin, int64_t end, const DataParallelOptions& o) {
        check_options(o);
        CADENZA_CHECK(0 <= begin && begin < end && end <= int64_t(order.size()), "data parallel: batch [", begin,
                      ", ", end, ") of ", order.size(), " samples");
        return train_step(data, order, begin, end, o);
    }

private:
    using Clock = std::chrono::steady_clock;

    void check_options(const DataParallelOptions& o) const {
        CADENZA_CHECK(o.batch_size > 0 && o.micro_batch > 0 && o.micro_batch <= o.batch_size,
                      "data parallel: need 0 < micro_batch <= batch_size, got ", o.micro_batch, " and ",
                      o.batch_size);
        CADENZA_CHECK(o.validation_batch >= 0, "data parallel: validation_batch ", o.validation_batch);
    }

    // As Sequential's: the samples fit the model, and there are some.
    void check_source(const BatchSource<T>& d) const {
        CADENZA_CHECK(d.sample_shape() == model_.input_shape(), "the data's samples have shape ",
                      d.sample_shape().str(), " but the model expects ", model_.input_shape().str());
        CADENZA_CHECK(d.size() > 0, "the data set is empty");
    }

    // fn(slot, b0, b1) for this rank's slots of the global batch [begin, end),
    // in order; b0 >= b1 for a slot past the end.
    template <class Fn>
    void for_my_slots(const SlotLayout& layout, int64_t micro, int64_t begin, int64_t end, Fn&& fn) {
        const int r = comm_.rank();
        for (int64_t slot = layout.first(r); slot < layout.end(r); ++slot) {
            const int64_t b0 = begin + slot * micro, b1 = std::min(end, b0 + micro);
            fn(slot, b0, std::max(b0, b1));
        }
    }

    // One optimizer step on the global batch order[begin, end); returns the
    // batch's summed statistics (loss sum, rows, top-1, top-k hits).
    const std::vector<double>& train_step(const BatchSource<T>& data, const std::vector<int64_t>& order,
                                          int64_t begin, int64_t end, const DataParallelOptions& o) {
        const int64_t n = model_.parameter_count();
        const SlotLayout layout = slot_layout(o.batch_size, o.micro_batch, comm_.size());
        if (comm_.reduces_device_memory()) return train_step_on_device(data, order, begin, end, o, layout);
        // One process, one slot: the gradient stays where backward left it.
        const bool in_place = comm_.size() == 1 && layout.leaves() == 1;
        if (!grads_ && !in_place) grads_ = std::make_unique<TreeSum<T>>(n);
        if (grads_) grads_->clear(layout.first(comm_.rank()));
        stats_.clear(layout.first(comm_.rank()));
        const auto t0 = Clock::now();
        for_my_slots(layout, o.micro_batch, begin, end, [&](int64_t slot, int64_t b0, int64_t b1) {
            if (b0 >= b1) {
                grads_->push_zeros();
                return stats_.push_zeros();
            }
            run_micro_batch(data, order, b0, b1, slot, slot * o.micro_batch, end - begin, true);
            if (!in_place)
                grads_->push_filled([&](T* leaf) { model_.backend().download(model_.gradients().data(), leaf, n); });
            stats_.push(last_stats_);
        });
        const auto t1 = Clock::now();
        std::vector<T>* g = in_place ? nullptr : &reduce_tree(*grads_, layout, comm_);
        const std::vector<double>& s = reduce_tree(stats_, layout, comm_);
        const auto t2 = Clock::now();
        check_loss_finite(s[0], model_.optimizer().steps() + 1);
        if (g) model_.backend().upload(g->data(), model_.gradients().data(), n);
        model_.optimizer().step(model_.backend(), model_.parameters().data(), model_.gradients().data(), n);
        const auto t3 = Clock::now();
        times_ = {seconds(t0, t1), seconds(t1, t2), seconds(t2, t3)};
        return s;
    }

    // train_step for a communicator that sums device memory (NCCL): this
    // rank's slots are added on the device in slot order, the all-reduce runs
    // on the device in place, and only the statistics go through the host.
    const std::vector<double>& train_step_on_device(const BatchSource<T>& data, const std::vector<int64_t>& order,
                                                    int64_t begin, int64_t end, const DataParallelOptions& o,
                                                    const SlotLayout& layout) {
        const int64_t n = model_.parameter_count();
        Backend<T>& be = model_.backend();
        if (device_sum_.numel() != n) device_sum_ = be.zeros({n});
        stats_.clear(layout.first(comm_.rank()));
        const auto t0 = Clock::now();
        bool first = true;
        for_my_slots(layout, o.micro_batch, begin, end, [&](int64_t slot, int64_t b0, int64_t b1) {
            if (b0 >= b1) return stats_.push_zeros();
            run_micro_batch(data, order, b0, b1, slot, slot * o.micro_batch, end - begin, true);
            if (first) be.copy(model_.gradients().data(), device_sum_.data(), n);
            else be.axpy(T(1), model_.gradients().data(), device_sum_.data(), n);
            first = false;
            stats_.push(last_stats_);
        });
        if (first) be.fill(device_sum_.data(), n, T(0));  // no sample here: this rank adds zeros
        const auto t1 = Clock::now();
        comm_.allreduce_sum_device(device_sum_.data(), n);
        const std::vector<double>& s = reduce_tree(stats_, layout, comm_);
        const auto t2 = Clock::now();
        check_loss_finite(s[0], model_.optimizer().steps() + 1);
        be.copy(device_sum_.data(), model_.gradients().data(), n);
        model_.optimizer().step(be, model_.parameters().data(), model_.gradients().data(), n);
        times_ = {seconds(t0, t1), seconds(t1, t2), seconds(t2, Clock::now())};
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
    Tensor<T> device_sum_;  // the gradient's sum on the device (communicators that reduce device memory)
    std::vector<std::vector<Tensor<T>>> train_lanes_, eval_lanes_;
    StepTimes times_;
};

}  // namespace cadenza::dist
