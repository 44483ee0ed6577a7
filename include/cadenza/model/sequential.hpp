// cadenza/model/sequential.hpp: a stack of layers trained with one loss and one optimizer.
//
//   Sequential<float> model;                       // Eigen backend by default
//   model.add<Lstm<float>>(128);
//   model.add<Dense<float>>(vocabulary);
//   model.build({100, 1}, /*seed=*/42);            // per-sample input shape
//   FitOptions fit;
//   fit.batch_size = 128;
//   fit.epochs = 10;
//   model.fit(data, fit);
//
// All parameters live in one flat buffer (and their gradients in another), each
// layer owning a slice. The loss is softmax + cross-entropy on the last layer's
// output, so the last layer emits logits. The same seed gives the same weights,
// the same shuffles, the same dropout masks and so the same losses.
#pragma once

#include <chrono>
#include <cmath>
#include <functional>
#include <iomanip>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "cadenza/backend/eigen_backend.hpp"
#include "cadenza/layers/layer.hpp"
#include "cadenza/loss/softmax_cross_entropy.hpp"
#include "cadenza/model/data.hpp"
#include "cadenza/optim/adam.hpp"
#include "cadenza/optim/schedule.hpp"

namespace cadenza {

// The loss became NaN or infinite in a training step; the step stopped
// before it changed the weights, so the model holds its last finite state.
class DivergedError : public Error {
public:
    using Error::Error;
};

// Throws DivergedError unless a step's summed loss is finite (`step`: the
// optimizer step it would have been, 1-based).
inline void check_loss_finite(double loss_sum, int64_t step) {
    if (!std::isfinite(loss_sum))
        throw DivergedError(detail::concat("the loss became ", std::isnan(loss_sum) ? "NaN" : "infinite", " at step ",
                                           step, "; stopping before the weights are changed"));
}

struct EpochStats {
    int epoch = 0;  // 1-based
    double loss = 0, accuracy = 0, top_k_accuracy = 0;
    bool has_validation = false;
    double val_loss = 0, val_accuracy = 0, val_top_k_accuracy = 0;
    double seconds = 0;
};

struct BatchProgress {
    int epoch = 0;
    int64_t batch = 0, batches = 0;
    double loss = 0, accuracy = 0;  // running means over the epoch so far
    double seconds = 0;             // since the epoch began
    int64_t samples = 0;
};

struct FitOptions {
    int64_t batch_size = 128;
    int epochs = 1;
    int initial_epoch = 0;  // epochs already done (resuming)
    bool shuffle = true;
    bool drop_last = false;  // drop a final partial batch
    // Batch size of the validation pass (0: batch_size); a stateful model's
    // validation lanes set it to their number.
    int64_t validation_batch = 0;
    // Called after every epoch; return false to stop.
    std::function<bool(const EpochStats&)> on_epoch;
    // Called after every batch (progress bars).
    std::function<void(const BatchProgress&)> on_batch;
    // The learning rate of epoch e (0-based, counted from the run's start, so
    // a resumed run gets the rate it would have had): a schedule
    // (optim/schedule.hpp). Empty: the optimizer's own rate throughout.
    std::function<double(int epoch)> learning_rate;
    // A schedule that also watches the results (ReduceOnPlateau): asked for
    // each epoch's rate, told each epoch's validation loss (or, without
    // validation data, its training loss). Takes precedence over learning_rate.
    std::shared_ptr<LearningRateSchedule> schedule;
    // Called before epoch e's first batch (e.g. to re-cut the data).
    std::function<void(int epoch)> on_epoch_begin;
};

template <class T>
class Sequential {
public:
    explicit Sequential(std::shared_ptr<Backend<T>> backend = std::make_shared<EigenBackend<T>>())
        : be_(std::move(backend)) {}

    Backend<T>& backend() { return *be_; }
    std::shared_ptr<Backend<T>> backend_ptr() const { return be_; }

    template <class L, class... Args>
    L& add(Args&&... args) {
        CADENZA_CHECK(!built_, "cannot add a layer after build()");
        auto layer = std::make_unique<L>(std::forward<Args>(args)...);
        L& ref = *layer;
        layers_.push_back(std::move(layer));
        return ref;
    }
    void add_layer(std::unique_ptr<Layer<T>> layer) {
        CADENZA_CHECK(!built_, "cannot add a layer after build()");
        layers_.push_back(std::move(layer));
    }

    // Fix shapes, allocate the flat buffers and initialise from the seed.
    // `expected_parameters` (when not -1): the count the shapes must give,
    // checked before anything is allocated (a checkpoint's stored count).
    void build(const Shape& input, uint64_t seed = 0, int64_t expected_parameters = -1) {
        CADENZA_CHECK(!layers_.empty(), "a model needs at least one layer");
        CADENZA_CHECK(!built_, "build() was already called");
        input_shape_ = input;
        seed_ = seed;
        Shape s = input;
        int64_t total = 0;
        for (size_t i = 0; i < layers_.size(); ++i) {
            layers_[i]->attach(be_.get(), static_cast<uint32_t>(i));
            s = layers_[i]->build(s);
            offsets_.push_back(total);
            const int64_t count = layers_[i]->parameter_count();
            CADENZA_CHECK(count >= 0 && !__builtin_add_overflow(total, count, &total),
                          "the model's parameter count overflows 64 bits at layer ", i, " (", layers_[i]->kind(),
                          ")");
            caches_.push_back(layers_[i]->make_cache());
        }
        CADENZA_CHECK(expected_parameters < 0 || total == expected_parameters, "the model's layers hold ", total,
                      " parameters but ", expected_parameters, " were expected");
        params_ = be_->zeros({total});
        grads_ = be_->zeros({total});
        for (size_t i = 0; i < layers_.size(); ++i)
            layers_[i]->bind(params_.data() + offsets_[i], grads_.data() + offsets_[i]);
        Tensor<T> host({total});
        for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->initialize(host.data() + offsets_[i], seed);
        be_->upload(host.data(), params_.data(), total);
        if (!optimizer_) optimizer_ = std::make_unique<Adam<T>>();
        optimizer_->prepare(*be_, total);
        built_ = true;
    }

    void set_optimizer(std::unique_ptr<Optimizer<T>> opt) {
        optimizer_ = std::move(opt);
        if (built_) optimizer_->prepare(*be_, params_.numel());
    }
    Optimizer<T>& optimizer() { return *optimizer_; }
    const Optimizer<T>& optimizer() const { return *optimizer_; }
    void set_loss(SoftmaxCrossEntropy<T> loss) { loss_ = loss; }
    const SoftmaxCrossEntropy<T>& loss() const { return loss_; }

    bool built() const { return built_; }
    uint64_t seed() const { return seed_; }
    const Shape& input_shape() const { return input_shape_; }
    Shape output_shape() const { return layers_.back()->output_shape(); }
    size_t size() const { return layers_.size(); }
    Layer<T>& layer(size_t i) { return *layers_[i]; }
    const Layer<T>& layer(size_t i) const { return *layers_[i]; }
    LayerCache<T>& cache(size_t i) { return *caches_[i]; }
    int64_t parameter_count() const { return params_.numel(); }
    Tensor<T>& parameters() { return params_; }
    Tensor<T>& gradients() { return grads_; }
    int64_t parameter_offset(size_t i) const { return offsets_[i]; }

    // ---- the three passes ------------------------------------------------------
    // x: [T, B, F] or [B, F] in backend memory. Returns the last layer's output.
    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) { return forward(x, mode, 0, 0); }
    // The same for a micro-batch: rows [row_offset, row_offset + B) of a
    // global batch of global_rows rows (ForwardContext; dropout masks are keyed
    // by the global row).
    const Tensor<T>& forward(const Tensor<T>& x, Mode mode, int64_t row_offset, int64_t global_rows) {
        require_built();
        ForwardContext ctx{mode, seed_, static_cast<uint64_t>(optimizer_->steps()), row_offset, global_rows};
        const Tensor<T>* h = &x;
        for (size_t i = 0; i < layers_.size(); ++i) h = &layers_[i]->forward(*h, *caches_[i], ctx);
        return *h;
    }
    // dy: gradient of the last output. Accumulates into gradients(); writes the
    // gradient of the model's input into dx_input when one is given.
    void backward(const Tensor<T>& dy, Tensor<T>* dx_input = nullptr) {
        const Tensor<T>* g = &dy;
        if (dgrad_.size() != layers_.size()) dgrad_.resize(layers_.size());
        for (size_t i = layers_.size(); i-- > 0;) {
            Tensor<T>* dx = i > 0 ? &dgrad_[i] : dx_input;
            layers_[i]->backward(*g, *caches_[i], dx);
            g = dx;
        }
    }
    void zero_gradients() { be_->fill(grads_.data(), grads_.numel(), T(0)); }

    // One optimisation step on a batch already in backend memory.
    LossResult train_batch(const Tensor<T>& x, const int32_t* targets) {
        const Tensor<T>& logits = forward(x, Mode::train);
        LossResult r = loss_.evaluate(*be_, logits, targets, &dlogits_);
        check_loss_finite(r.loss_sum, optimizer_->steps() + 1);
        zero_gradients();
        backward(dlogits_);
        optimizer_->step(*be_, params_.data(), grads_.data(), params_.numel());
        return r;
    }

    // ---- training loop --------------------------------------------------------
    std::vector<EpochStats> fit(const BatchSource<T>& train, const FitOptions& o,
                                const BatchSource<T>* validation = nullptr) {
        require_built();
        check_source(train);
        CADENZA_CHECK(o.batch_size > 0, "batch size must be positive, got ", o.batch_size);
        std::vector<EpochStats> history;
        std::vector<int64_t> order;
        for (int epoch = o.initial_epoch; epoch < o.epochs; ++epoch) {
            auto t0 = std::chrono::steady_clock::now();
            if (o.schedule) optimizer().set_learning_rate(o.schedule->rate(epoch));
            else if (o.learning_rate) optimizer().set_learning_rate(o.learning_rate(epoch));
            if (o.on_epoch_begin) o.on_epoch_begin(epoch);
            const int64_t N = train.size();  // after on_epoch_begin, which may re-cut the data
            CADENZA_CHECK(N > 0, "epoch ", epoch + 1, " has no training sample");
            order.resize(static_cast<size_t>(N));
            std::iota(order.begin(), order.end(), int64_t(0));
            if (o.shuffle) shuffle_indices(order.data(), uint64_t(N), seed_, uint64_t(epoch));
            for (auto& l : layers_) l->reset_state();
            LossResult total;
            int64_t batches = o.drop_last ? N / o.batch_size : (N + o.batch_size - 1) / o.batch_size;
            for (int64_t bi = 0; bi < batches; ++bi) {
                int64_t begin = bi * o.batch_size, B = std::min(o.batch_size, N - begin);
                load_batch(train, order.data() + begin, B);
                LossResult r = train_batch(batch_x_, batch_targets_.get());
                total.loss_sum += r.loss_sum;
                total.rows += r.rows;
                total.correct += r.correct;
                total.correct_top_k += r.correct_top_k;
                if (o.on_batch) {
                    BatchProgress p{epoch + 1, bi + 1, batches, total.mean_loss(), total.accuracy(),
                                    seconds_since(t0), begin + B};
                    o.on_batch(p);
                }
            }
            EpochStats s;
            s.epoch = epoch + 1;
            s.loss = total.mean_loss();
            s.accuracy = total.accuracy();
            s.top_k_accuracy = total.rows ? double(total.correct_top_k) / double(total.rows) : 0;
            if (validation) {
                LossResult v = evaluate(*validation, o.validation_batch > 0 ? o.validation_batch : o.batch_size);
                s.has_validation = true;
                s.val_loss = v.mean_loss();
                s.val_accuracy = v.accuracy();
                s.val_top_k_accuracy = v.rows ? double(v.correct_top_k) / double(v.rows) : 0;
            }
            s.seconds = seconds_since(t0);
            if (o.schedule) o.schedule->observe(epoch, s.has_validation ? s.val_loss : s.loss);
            history.push_back(s);
            if (o.on_epoch && !o.on_epoch(s)) break;
        }
        return history;
    }

    // Loss and accuracy over a whole data set, in inference mode, in order.
    LossResult evaluate(const BatchSource<T>& data, int64_t batch_size = 128) {
        require_built();
        check_source(data);
        LossResult total;
        const int64_t N = data.size();
        std::vector<int64_t> idx(static_cast<size_t>(N));
        std::iota(idx.begin(), idx.end(), int64_t(0));
        for (auto& l : layers_) l->reset_state();
        for (int64_t begin = 0; begin < N; begin += batch_size) {
            int64_t B = std::min(batch_size, N - begin);
            load_batch(data, idx.data() + begin, B);
            const Tensor<T>& logits = forward(batch_x_, Mode::infer);
            LossResult r = loss_.evaluate(*be_, logits, batch_targets_.get(), nullptr);
            total.loss_sum += r.loss_sum;
            total.rows += r.rows;
            total.correct += r.correct;
            total.correct_top_k += r.correct_top_k;
        }
        return total;
    }

    // Class probabilities for a host batch x ([T, B, F] or [B, F]): a host
    // tensor shaped like the last output, softmax over its last axis.
    Tensor<T> predict(const Tensor<T>& x_host) {
        require_built();
        Tensor<T> x = be_->zeros(x_host.shape());
        be_->upload(x_host.data(), x.data(), x_host.numel());
        const Tensor<T>& logits = forward(x, Mode::infer);
        Tensor<T> out(logits.shape());
        be_->download(logits.data(), out.data(), logits.numel());
        const int64_t V = out.shape().back();
        for (int64_t r = 0; r < out.numel() / V; ++r) {
            T* z = out.data() + r * V;
            T zmax = z[0];
            for (int64_t k = 1; k < V; ++k) zmax = std::max(zmax, z[k]);
            T sum = 0;
            for (int64_t k = 0; k < V; ++k) sum += (z[k] = std::exp(z[k] - zmax));
            for (int64_t k = 0; k < V; ++k) z[k] /= sum;
        }
        return out;
    }

    // The Keras-style table: layer, output shape, parameter count, totals.
    std::string summary(const std::string& title = "sequential") const {
        require_built();
        std::ostringstream s;
        const std::string rule(65, '_'), thick(65, '=');
        s << "Model: \"" << title << "\"\n" << rule << "\n";
        s << std::left << std::setw(29) << " Layer (type)" << std::setw(25) << "Output Shape"
          << "Param #\n" << thick << "\n";
        std::map<std::string, int> seen;
        for (size_t i = 0; i < layers_.size(); ++i) {
            const Layer<T>& l = *layers_[i];
            std::string kind = l.kind(), base = lower(kind);
            int n = seen[base]++;
            std::string name = n == 0 ? base : base + "_" + std::to_string(n);
            std::string shape = "(None";
            for (int d = 0; d < l.output_shape().rank(); ++d)
                shape += ", " + std::to_string(l.output_shape()[d]);
            shape += ")";
            s << " " << std::setw(28) << (name + " (" + kind + ")") << std::setw(25) << shape
              << with_commas(l.parameter_count()) << "\n\n";
        }
        // The softmax is fused into the loss; Keras shows it as its own layer.
        std::string vshape = "(None";
        for (int d = 0; d < output_shape().rank(); ++d) vshape += ", " + std::to_string(output_shape()[d]);
        s << " " << std::setw(28) << "activation (Activation)" << std::setw(25) << (vshape + ")")
          << "0\n\n";
        s << thick << "\n";
        s << "Total params: " << with_commas(parameter_count()) << "\n";
        s << "Trainable params: " << with_commas(parameter_count()) << "\n";
        s << "Non-trainable params: 0\n" << rule << "\n";
        return s.str();
    }

    // Samples samples[0 .. B) of d into the model's batch buffers (backend
    // memory): batch_input() [T, B, F] or [B, F] and batch_targets(), valid
    // until the next load. fit and evaluate use them; so does a trainer of
    // its own (dist/data_parallel.hpp).
    void load_batch(const BatchSource<T>& d, const int64_t* samples, int64_t B) {
        Shape xs;
        if (input_shape_.rank() == 2) xs = Shape{input_shape_[0], B, input_shape_[1]};
        else xs = Shape{B, input_shape_[0]};
        const int64_t nt = d.targets_per_sample() * B;
        if (host_x_.shape() != xs) host_x_ = Tensor<T>(xs);
        host_targets_.resize(static_cast<size_t>(nt));
        d.fill(samples, B, host_x_.data(), host_targets_.data());
        if (batch_x_.shape() != xs || batch_x_.data() == nullptr) batch_x_ = be_->zeros(xs);
        be_->upload(host_x_.data(), batch_x_.data(), host_x_.numel());
        batch_targets_ = be_->upload_targets(host_targets_.data(), nt);
    }
    const Tensor<T>& batch_input() const { return batch_x_; }
    const int32_t* batch_targets() const { return batch_targets_.get(); }

    static std::string with_commas(int64_t n) {
        std::string d = std::to_string(n), out;
        for (size_t i = 0; i < d.size(); ++i) {
            if (i && (d.size() - i) % 3 == 0) out += ',';
            out += d[i];
        }
        return out;
    }

private:
    static std::string lower(std::string s) {
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }
    static double seconds_since(std::chrono::steady_clock::time_point t0) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    void require_built() const { CADENZA_CHECK(built_, "the model must be built first (build())"); }
    void check_source(const BatchSource<T>& d) const {
        CADENZA_CHECK(d.sample_shape() == input_shape_, "the data's samples have shape ",
                      d.sample_shape().str(), " but the model expects ", input_shape_.str());
        CADENZA_CHECK(d.size() > 0, "the data set is empty");
    }


    std::shared_ptr<Backend<T>> be_;
    std::vector<std::unique_ptr<Layer<T>>> layers_;
    std::vector<std::unique_ptr<LayerCache<T>>> caches_;
    std::vector<int64_t> offsets_;
    std::vector<Tensor<T>> dgrad_;
    Tensor<T> params_, grads_, dlogits_;
    std::unique_ptr<Optimizer<T>> optimizer_;
    SoftmaxCrossEntropy<T> loss_;
    Shape input_shape_;
    uint64_t seed_ = 0;
    bool built_ = false;
    Tensor<T> host_x_, batch_x_;
    std::vector<int32_t> host_targets_;
    std::shared_ptr<int32_t> batch_targets_;
};

}  // namespace cadenza
