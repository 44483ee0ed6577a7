// examples/cadenza-music/lib/batches.hpp: training batches cut from token streams on the fly.
//
// WindowBatches (the paper's model): sample i is window i of a list of
// (song, offset) windows; its input is the window's ids divided by V (one
// scalar per step, as the paper feeds them) and its target the id after it.
//
// LaneBatches (the stream model): the songs are concatenated and cut into B
// lanes; batch k holds window k of every lane, so lane b of batch k+1 continues
// exactly where lane b of batch k stopped, and a stateful LSTM's carried state
// is the true state there. Targets are the next id at every step.
#pragma once

#include <algorithm>
#include <vector>

#include "cadenza/model/data.hpp"
#include "cadenza/music/dataset.hpp"

namespace cadenza::app {

class WindowBatches final : public BatchSource<float> {
public:
    WindowBatches(const music::SequenceDataset& data, std::vector<music::Window> windows, int V)
        : data_(data), windows_(std::move(windows)), inv_v_(1.0f / float(V)) {}
    int64_t size() const override { return int64_t(windows_.size()); }
    Shape sample_shape() const override { return {int64_t(data_.length()), 1}; }
    int64_t targets_per_sample() const override { return 1; }
    void fill(const int64_t* s, int64_t B, float* x, int32_t* targets) const override {
        const int64_t T = int64_t(data_.length());
        for (int64_t b = 0; b < B; ++b) {
            const music::Window& w = windows_[size_t(s[b])];
            const int* ids = data_.inputs(w).first;
            for (int64_t t = 0; t < T; ++t) x[t * B + b] = float(ids[t]) * inv_v_;
            targets[b] = data_.target(w);
        }
    }

private:
    const music::SequenceDataset& data_;
    std::vector<music::Window> windows_;
    float inv_v_;
};

class LaneBatches final : public BatchSource<float> {
public:
    // stream: the concatenated ids; lanes: the batch size B; T: steps per window.
    LaneBatches(std::vector<int> stream, int lanes, int T)
        : stream_(std::move(stream)), lanes_(lanes), T_(T) {
        lane_len_ = lanes_ > 0 ? (int64_t(stream_.size()) - 1) / lanes_ : 0;
        windows_per_lane_ = lane_len_ / T_;
    }
    int lanes() const { return lanes_; }
    // Windows start `offset` (0..T-1) tokens into each lane: another cut of
    // the same lanes (--random-offsets draws one per epoch). The windows that
    // still fit whole are used; at most one window per lane is lost.
    void set_offset(int64_t offset) {
        offset_ = std::min<int64_t>(std::max<int64_t>(offset, 0), T_ - 1);
        windows_per_lane_ = std::max<int64_t>(lane_len_ - offset_, 0) / T_;
    }
    int64_t size() const override { return windows_per_lane_ * lanes_; }
    Shape sample_shape() const override { return {T_, 1}; }
    int64_t targets_per_sample() const override { return T_; }
    void fill(const int64_t* s, int64_t B, float* x, int32_t* targets) const override {
        for (int64_t b = 0; b < B; ++b) {
            const int64_t k = s[b] / lanes_, lane = s[b] % lanes_;
            const int64_t start = lane * lane_len_ + offset_ + k * T_;
            for (int64_t t = 0; t < T_; ++t) {
                x[t * B + b] = float(stream_[size_t(start + t)]);
                targets[t * B + b] = stream_[size_t(start + t + 1)];
            }
        }
    }

private:
    std::vector<int> stream_;
    int lanes_, T_;
    int64_t lane_len_ = 0, windows_per_lane_ = 0, offset_ = 0;
};

}  // namespace cadenza::app
