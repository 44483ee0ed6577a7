// examples/cadenza-music/lib/report/analysis.cpp: see analysis.hpp.
#include "analysis.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace cadenza::app {

PianoRoll piano_roll(const std::vector<midi::Note>& notes, int ticks_per_quarter,
                     int steps_per_quarter) {
    PianoRoll roll;
    roll.steps_per_quarter = steps_per_quarter;
    const double per_step = double(ticks_per_quarter) / steps_per_quarter;
    auto step_of = [&](int64_t tick) { return int64_t(std::floor(double(tick) / per_step)); };
    auto end_step = [&](int64_t tick) { return int64_t(std::ceil(double(tick) / per_step)); };
    for (const auto& n : notes)
        roll.steps =
            std::max(roll.steps, std::max(end_step(n.end_tick), step_of(n.start_tick) + 1));
    roll.cells.assign(size_t(128) * size_t(roll.steps), 0);
    for (const auto& n : notes) {
        if (n.pitch < 0 || n.pitch > 127) continue;
        const int64_t first = step_of(n.start_tick);
        const int64_t last = std::max(first + 1, end_step(n.end_tick));
        for (int64_t s = first; s < last; ++s)
            roll.cells[size_t(n.pitch) * size_t(roll.steps) + size_t(s)] = 1;
    }
    return roll;
}

std::array<int64_t, 128> pitch_histogram(const std::vector<midi::Note>& notes) {
    std::array<int64_t, 128> bins{};
    for (const auto& n : notes)
        if (n.pitch >= 0 && n.pitch < 128) ++bins[size_t(n.pitch)];
    return bins;
}

int unique_pitch_count(const std::vector<midi::Note>& notes) {
    const auto bins = pitch_histogram(notes);
    return int(std::count_if(bins.begin(), bins.end(), [](int64_t c) { return c > 0; }));
}

std::vector<std::pair<std::string, int64_t>> token_frequencies(
    const std::vector<std::string>& tokens, size_t top_k) {
    std::map<std::string, int64_t> counts;
    for (const auto& t : tokens) ++counts[t];
    std::vector<std::pair<std::string, int64_t>> out(counts.begin(), counts.end());
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (top_k > 0 && out.size() > top_k) out.resize(top_k);
    return out;
}

}  // namespace cadenza::app
