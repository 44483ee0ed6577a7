// cadenza/midi/tempo_clock.hpp: MIDI ticks to seconds through a tempo map.
//
//   TempoClock clock(division, changes.data(), changes.data() + changes.size());
//   double s = clock.seconds(tick);
//
// Elapsed time is kept as an exact integer count of (microseconds *
// ticks_per_quarter), so a time is one integer sum and a single division: no
// error accumulates across tempo segments, and long files do not drift. SMPTE
// division ignores tempo (seconds = ticks / (frames per second * ticks per
// frame); 29 means 29.97 drop frame).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "cadenza/midi/midi_types.hpp"

namespace cadenza::midi {

// Ticks to seconds through one tempo map. Elapsed time is kept as an exact
// integer count of (microseconds * ticks_per_quarter), so a time is one
// integer sum and a single division: no error accumulates across segments.
// Sums that would overflow 64 bits (only absurd inputs) fall back to long
// double.
class TempoClock {
public:
    // [first, last) must be sorted by tick; later entries at the same tick win.
    TempoClock(const Division& division, const TempoChange* first, const TempoChange* last)
        : smpte_(division.smpte) {
        if (smpte_) {
            // 29 means 29.97 drop frame: the frame rate its timecode keeps to
            // (17982 frames per 10 minutes).
            if (division.frames_per_second == 29)
                smpte_ticks_per_second_ = 29.97 * division.ticks_per_frame;
            else
                smpte_ticks_per_second_ =
                    double(division.frames_per_second) * division.ticks_per_frame;
            return;
        }
        ticks_per_quarter_ = uint64_t(division.ticks_per_quarter);
        denominator_ = double(division.ticks_per_quarter) * 1e6;
        segments_.push_back(Segment{0, 500000, 0, 0.0L, true, 0});
        for (; first != last; ++first) {
            const TempoChange& change = *first;
            Segment& last = segments_.back();
            if (change.tick == last.tick) {
                last.microseconds_per_quarter = change.microseconds_per_quarter;
                last.exact_ticks = exact_limit(last);
                continue;
            }
            Segment next;
            next.tick = change.tick;
            next.microseconds_per_quarter = change.microseconds_per_quarter;
            const uint64_t ticks = uint64_t(change.tick - last.tick);
            next.elapsed_wide =
                last.elapsed_wide + (long double)ticks * last.microseconds_per_quarter;
            next.exact = last.exact && fits(last.elapsed, ticks, last.microseconds_per_quarter);
            next.elapsed = next.exact ? last.elapsed + ticks * last.microseconds_per_quarter : 0;
            next.exact_ticks = exact_limit(next);
            segments_.push_back(next);
        }
        segments_.front().exact_ticks = exact_limit(segments_.front());
    }

    // Index of the segment holding `tick`, searching forward from `hint`
    // (callers that ask in rising tick order pass the last answer).
    size_t segment_of(int64_t tick, size_t hint = 0) const {
        const size_t count = segments_.size();
        if (hint >= count || segments_[hint].tick > tick) hint = 0;
        for (int step = 0; step < 4; ++step) {
            if (hint + 1 >= count || segments_[hint + 1].tick > tick) return hint;
            ++hint;
        }
        auto it = std::upper_bound(segments_.begin() + std::ptrdiff_t(hint), segments_.end(), tick,
                                   [](int64_t t, const Segment& s) { return t < s.tick; });
        return size_t(it - segments_.begin()) - 1;
    }

    double seconds(int64_t tick) const {
        return smpte_ ? double(tick) / smpte_ticks_per_second_ : seconds_in(tick, segment_of(tick));
    }

    // Seconds of `tick`, which must lie in segment `index` (from segment_of).
    double seconds_in(int64_t tick, size_t index) const {
        if (smpte_) return double(tick) / smpte_ticks_per_second_;
        const Segment& segment = segments_[index];
        const uint64_t ticks = uint64_t(tick - segment.tick);
        if (ticks <= segment.exact_ticks) {
            const uint64_t elapsed = segment.elapsed + ticks * segment.microseconds_per_quarter;
            if (elapsed < (uint64_t(1) << 53))
                return double(elapsed) / denominator_;  // one rounding
            return double(elapsed / ticks_per_quarter_) / 1e6 +
                   double(elapsed % ticks_per_quarter_) / denominator_;
        }
        const long double elapsed =
            segment.elapsed_wide + (long double)ticks * segment.microseconds_per_quarter;
        return double(elapsed / ((long double)ticks_per_quarter_ * 1e6L));
    }

private:
    struct Segment {
        int64_t tick;
        uint32_t microseconds_per_quarter;
        uint64_t elapsed;          // microseconds * ticks_per_quarter at `tick`, when exact
        long double elapsed_wide;  // the same, approximately, for the overflow fallback
        bool exact;
        uint64_t exact_ticks;  // ticks into the segment whose time still fits 64 bits
    };
    static uint64_t exact_limit(const Segment& s) {
        if (!s.exact) return 0;
        if (s.microseconds_per_quarter == 0) return std::numeric_limits<uint64_t>::max();
        return (std::numeric_limits<uint64_t>::max() - s.elapsed) / s.microseconds_per_quarter;
    }
    static bool fits(uint64_t elapsed, uint64_t ticks, uint32_t tempo) {
        const uint64_t limit = std::numeric_limits<uint64_t>::max();
        if (tempo != 0 && ticks > (limit - elapsed) / tempo) return false;
        return true;
    }

    bool smpte_ = false;
    double smpte_ticks_per_second_ = 1.0;
    uint64_t ticks_per_quarter_ = 480;
    double denominator_ = 480e6;
    std::vector<Segment> segments_;
};

}  // namespace cadenza::midi
