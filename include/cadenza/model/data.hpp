// cadenza/model/data.hpp: where training batches come from.
//
// fit() asks a BatchSource for batches by sample index, so a data set can be
// stored however suits it (the music example keeps one token stream per song and
// cuts windows on the fly, never materialising them). ArrayData is the simple
// case: every sample stored, inputs [N, T, F] or [N, F], integer targets.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "cadenza/core/tensor.hpp"

namespace cadenza {

template <class T>
class BatchSource {
public:
    virtual ~BatchSource() = default;
    virtual int64_t size() const = 0;
    // Per-sample input shape: {T, F} for sequences, {F} for vectors.
    virtual Shape sample_shape() const = 0;
    // Targets per sample: 1 (one class per sample) or T (one per step).
    virtual int64_t targets_per_sample() const = 0;
    // Fill a host batch: x is [T, B, F] (or [B, F]); targets are [T, B] (or [B]),
    // row r = t*B + b, matching the model's output rows.
    virtual void fill(const int64_t* samples, int64_t B, T* x, int32_t* targets) const = 0;
};

template <class T>
class ArrayData final : public BatchSource<T> {
public:
    // x: [N, T, F] or [N, F]; y: N or N*T integers (sample-major).
    ArrayData(Tensor<T> x, std::vector<int32_t> y) : x_(std::move(x)), y_(std::move(y)) {
        CADENZA_CHECK(x_.rank() == 2 || x_.rank() == 3, "ArrayData inputs must be [N, T, F] or [N, F], got ",
                      x_.shape().str());
        const int64_t N = x_.dim(0);
        CADENZA_CHECK(N > 0 && (int64_t(y_.size()) % N) == 0, "ArrayData has ", N,
                      " samples but ", y_.size(), " targets");
        per_sample_ = int64_t(y_.size()) / N;
        CADENZA_CHECK(per_sample_ == 1 || (x_.rank() == 3 && per_sample_ == x_.dim(1)),
                      "ArrayData targets must be one per sample or one per step");
    }
    int64_t size() const override { return x_.dim(0); }
    Shape sample_shape() const override {
        return x_.rank() == 3 ? Shape{x_.dim(1), x_.dim(2)} : Shape{x_.dim(1)};
    }
    int64_t targets_per_sample() const override { return per_sample_; }
    void fill(const int64_t* s, int64_t B, T* x, int32_t* targets) const override {
        if (x_.rank() == 2) {
            const int64_t F = x_.dim(1);
            for (int64_t b = 0; b < B; ++b)
                std::memcpy(x + b * F, x_.data() + s[b] * F, size_t(F) * sizeof(T));
        } else {
            const int64_t Tn = x_.dim(1), F = x_.dim(2);
            for (int64_t t = 0; t < Tn; ++t)
                for (int64_t b = 0; b < B; ++b)
                    std::memcpy(x + (t * B + b) * F, x_.data() + (s[b] * Tn + t) * F,
                                size_t(F) * sizeof(T));
        }
        if (per_sample_ == 1) {
            for (int64_t b = 0; b < B; ++b) targets[b] = y_[size_t(s[b])];
        } else {
            for (int64_t t = 0; t < per_sample_; ++t)
                for (int64_t b = 0; b < B; ++b)
                    targets[t * B + b] = y_[size_t(s[b] * per_sample_ + t)];
        }
    }

private:
    Tensor<T> x_;
    std::vector<int32_t> y_;
    int64_t per_sample_ = 1;
};

}  // namespace cadenza
