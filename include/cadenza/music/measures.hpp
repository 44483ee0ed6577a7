// cadenza/music/measures.hpp: steps 3 and 4 of score.hpp's import, as
// music21's makeMeasures, makeTies and makeRests leave one track.
//
// 3. Measures from the time signatures of the conductor (tracks before this
//    one without notes) and of the track itself (4/4 when none); an element
//    crossing a barline is split there (a tied continuation is one more token).
// 4. Rests fill each measure where nothing of the track sounds, split at
//    tempo/key/time-signature/instrument points that fall inside a gap. In a
//    track that needs voices, a measure with overlapping notes is split into
//    voices (first fit) and every voice gets its own rests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <queue>
#include <set>
#include <utility>
#include <vector>

#include "cadenza/midi/midi_types.hpp"
#include "cadenza/music/quantize.hpp"
#include "cadenza/music/score_budget.hpp"
#include "cadenza/music/score_element.hpp"

namespace cadenza::music::detail {

struct Bar {
    int64_t start = 0, length = 4 * kUnitsPerQuarter;
};

// Barlines from time signatures (given as (offset units, bar length units)),
// covering [0, end).
inline std::vector<Bar> make_bars(const std::vector<std::pair<int64_t, int64_t>>& signatures,
                                  int64_t end) {
    std::vector<Bar> bars;
    int64_t start = 0, length = 4 * kUnitsPerQuarter;
    size_t next_sig = 0;
    do {
        while (next_sig < signatures.size() && signatures[next_sig].first <= start)
            length = signatures[next_sig++].second;
        if (length <= 0) length = 4 * kUnitsPerQuarter;
        bars.push_back({start, length});
        start += length;
    } while (start < end);
    return bars;
}

// A track's time signatures (as (offset, bar length) in units, in order) and
// the points that split its rests: time and key signatures, tempi and
// instruments, of the track and of the conductor (tracks before it without notes).
struct TrackTimeline {
    std::vector<std::pair<int64_t, int64_t>> signatures;
    std::vector<int64_t> meta_points;
};

inline TrackTimeline track_timeline(const midi::MidiFile& file, int track,
                                    const std::vector<int64_t>& instrument_ticks, double tpq,
                                    const std::vector<int>& divisors) {
    std::vector<bool> has_notes(size_t(std::max(file.track_count, 1)) + 64, false);
    for (const auto& n : file.notes)
        if (n.track >= 0 && size_t(n.track) < has_notes.size()) has_notes[size_t(n.track)] = true;
    for (const auto& n : file.unterminated)
        if (n.track >= 0 && size_t(n.track) < has_notes.size()) has_notes[size_t(n.track)] = true;
    // The conductor part holds what music21 has read so far: tracks before
    // this one without notes.
    auto applies = [&](int t) {
        return t == track || t < 0 || size_t(t) >= has_notes.size() ||
               (t < track && !has_notes[size_t(t)]);
    };
    auto meta_offset = [&](int64_t tick) { return quantized_offset(tick, tpq, divisors); };
    TrackTimeline m;
    for (const auto& ts : file.time_signatures) {
        if (!applies(ts.track)) continue;
        const int64_t bar =
            ts.denominator > 0 ? ts.numerator * 4 * kUnitsPerQuarter / ts.denominator : 0;
        m.signatures.push_back({meta_offset(ts.tick), bar});
        m.meta_points.push_back(meta_offset(ts.tick));
    }
    std::stable_sort(m.signatures.begin(), m.signatures.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& e : file.tempo_map)
        if (applies(e.track)) m.meta_points.push_back(meta_offset(e.tick));
    for (const auto& e : file.key_signatures)
        if (applies(e.track)) m.meta_points.push_back(meta_offset(e.tick));
    for (int64_t tick : instrument_ticks) m.meta_points.push_back(meta_offset(tick));
    return m;
}

// Where time ends: the last element's end or meta point.
inline int64_t timeline_end(const std::vector<ScoreElement>& elements, const TrackTimeline& timeline) {
    int64_t end = 0;
    for (const auto& e : elements) end = std::max(end, e.offset + e.duration);
    for (int64_t p : timeline.meta_points) end = std::max(end, p);
    return end;
}

// The bar length in force at barline `barline` (make_bars' rule: the last
// signature at or before it), and the first barline after `offset`.
struct BarGrid {
    std::vector<std::pair<int64_t, int64_t>> segments;  // (first barline, bar length), in order

    explicit BarGrid(const std::vector<std::pair<int64_t, int64_t>>& signatures) {
        int64_t start = 0, length = 4 * kUnitsPerQuarter;
        size_t next = 0;
        for (;;) {
            while (next < signatures.size() && signatures[next].first <= start) length = signatures[next++].second;
            if (length <= 0) length = 4 * kUnitsPerQuarter;
            segments.push_back({start, length});
            if (next == signatures.size()) break;
            // The next signature takes effect at the first barline at or after it.
            const int64_t o = signatures[next].first;
            start += (o - start + length - 1) / length * length;
        }
    }
    const std::pair<int64_t, int64_t>& segment_at(int64_t offset) const {
        auto it = std::upper_bound(segments.begin(), segments.end(), offset,
                                   [](int64_t o, const auto& s) { return o < s.first; });
        return *(it == segments.begin() ? it : it - 1);
    }
    int64_t first_barline_after(int64_t offset) const {
        const auto& [start, length] = segment_at(offset);
        const int64_t barline = start + ((offset - start) / length + 1) * length;
        // A later segment may begin before that barline would come.
        auto it = std::upper_bound(segments.begin(), segments.end(), offset,
                                   [](int64_t o, const auto& s) { return o < s.first; });
        return it != segments.end() && it->first < barline ? it->first : barline;
    }
};

// The bound on work per song (docs/music-encoding.md): a stretch of time in
// which nothing starts (no note, chord, rest's end or meta event) keeps at
// most `max_quiet_bars` whole bars; the bars beyond are cut out of the
// timeline, and everything after moves earlier by whole bars, so barlines keep
// their place. A silence of a million bars is then `max_quiet_bars` rest
// tokens (and a note sounding through it as many tied pieces) instead of a
// million. What this cannot bound (notes held across many bars in which other
// notes start) the element budget does (score_budget.hpp).
inline void shorten_quiet_stretches(std::vector<ScoreElement>& elements, TrackTimeline& timeline,
                                    int64_t max_quiet_bars) {
    std::vector<int64_t> points = timeline.meta_points;
    points.push_back(0);
    points.push_back(timeline_end(elements, timeline));
    for (const auto& e : elements) points.push_back(e.offset);
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
    const BarGrid grid(timeline.signatures);
    std::vector<std::pair<int64_t, int64_t>> cuts;  // [from, to) cut out, in order
    for (size_t i = 0; i + 1 < points.size(); ++i) {
        const int64_t b1 = grid.first_barline_after(points[i]);
        if (b1 >= points[i + 1]) continue;
        const int64_t length = grid.segment_at(b1).second;  // constant until the next point
        const int64_t whole_bars = (points[i + 1] - b1) / length;
        if (whole_bars > max_quiet_bars)
            cuts.push_back({b1 + max_quiet_bars * length, b1 + whole_bars * length});
    }
    if (cuts.empty()) return;
    std::vector<int64_t> removed_before(cuts.size() + 1, 0);  // total cut before cut k
    for (size_t k = 0; k < cuts.size(); ++k)
        removed_before[k + 1] = removed_before[k] + (cuts[k].second - cuts[k].first);
    auto map = [&](int64_t x) {  // a time in the shortened timeline
        const size_t k = size_t(std::upper_bound(cuts.begin(), cuts.end(), x,
                                                 [](int64_t v, const auto& c) { return v < c.first; }) -
                                cuts.begin());
        int64_t removed = removed_before[k];
        if (k > 0 && x < cuts[k - 1].second) removed -= cuts[k - 1].second - x;  // inside a cut
        return x - removed;
    };
    for (auto& e : elements) {
        const int64_t end = map(e.offset + e.duration);
        e.offset = map(e.offset);
        e.duration = end - e.offset;
    }
    for (auto& p : timeline.meta_points) p = map(p);
    for (auto& s : timeline.signatures) s.first = map(s.first);
}

// The measures of one track and the points that split its rests.
struct TrackMeasures {
    std::vector<Bar> bars;
    std::vector<int64_t> meta_points;  // units, ascending: time/key signatures, tempi, instruments
};

// Step 3's barlines: `elements` are the track's quantized elements (their
// quiet stretches shortened here), `instrument_ticks` the ticks of its
// instruments (instruments.hpp).
inline TrackMeasures track_measures(const midi::MidiFile& file, int track, std::vector<ScoreElement>& elements,
                                    const std::vector<int64_t>& instrument_ticks, double tpq,
                                    const std::vector<int>& divisors, int64_t max_quiet_bars) {
    TrackTimeline timeline = track_timeline(file, track, instrument_ticks, tpq, divisors);
    shorten_quiet_stretches(elements, timeline, max_quiet_bars);
    TrackMeasures m;
    m.bars = make_bars(timeline.signatures, timeline_end(elements, timeline));
    m.meta_points = std::move(timeline.meta_points);
    std::sort(m.meta_points.begin(), m.meta_points.end());
    return m;
}

// makeMeasures + makeTies: each element into its bar; one crossing a barline
// is split there and its continuation goes into the next bar after what that
// bar already holds (so it follows notes starting on the barline). Every
// piece is spent from `budget`.
inline std::vector<std::vector<ScoreElement>> split_into_bars(
    const std::vector<ScoreElement>& elements, const std::vector<Bar>& bars, ElementBudget& budget,
    int track) {
    std::vector<std::vector<ScoreElement>> in_bar(bars.size()), carried(bars.size());
    auto bar_of = [&](int64_t offset) {
        size_t b =
            size_t(std::upper_bound(bars.begin(), bars.end(), offset,
                                    [](int64_t o, const Bar& bar) { return o < bar.start; }) -
                   bars.begin());
        return b == 0 ? size_t(0) : b - 1;
    };
    for (const auto& e : elements) {
        size_t b = bar_of(e.offset);
        const int64_t cost = int64_t(e.pitches.size());
        ScoreElement piece = e;
        while (b + 1 < bars.size() &&
               piece.offset + piece.duration > bars[b].start + bars[b].length) {
            const int64_t barline = bars[b].start + bars[b].length;
            budget.spend(cost, ScoreCost::piece, track, b);
            ScoreElement& head = in_bar[b].emplace_back(piece);
            head.duration = barline - piece.offset;
            piece.duration -= head.duration;
            piece.offset = barline;
            piece.tie_continuation = true;
            ++b;
        }
        budget.spend(cost, ScoreCost::piece, track, b);
        (piece.tie_continuation ? carried : in_bar)[b].push_back(std::move(piece));
    }
    for (size_t b = 0; b < bars.size(); ++b) {
        in_bar[b].insert(in_bar[b].end(), std::make_move_iterator(carried[b].begin()),
                         std::make_move_iterator(carried[b].end()));
        std::vector<ScoreElement>().swap(carried[b]);
        std::stable_sort(in_bar[b].begin(), in_bar[b].end(), ScoreOrder{});
    }
    return in_bar;
}

// Rests over [0, bar_length) where `pieces` (offsets relative to the bar)
// leave silence, split at `split_points` that fall strictly inside a gap.
inline void fill_rests(const std::vector<ScoreElement>& pieces, int64_t bar_length,
                       const std::vector<int64_t>& split_points, int track, int64_t bar_start,
                       std::vector<ScoreElement>& out) {
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (const auto& p : pieces)
        spans.push_back({p.offset - bar_start, p.offset - bar_start + p.duration});
    for (int64_t s : split_points) spans.push_back({s, s});
    std::sort(spans.begin(), spans.end());
    int64_t covered = 0;
    auto emit = [&](int64_t from, int64_t to) {
        if (to <= from) return;
        ScoreElement rest;
        rest.kind = ScoreElement::Kind::rest;
        rest.offset = bar_start + from;
        rest.duration = to - from;
        rest.track = track;
        out.push_back(rest);
    };
    for (const auto& span : spans) {
        if (span.first > covered) emit(covered, std::min(span.first, bar_length));
        covered = std::max(covered, span.second);
    }
    if (covered < bar_length) emit(covered, bar_length);
}

// The voices music21 makes of a bar's pieces (in ScoreOrder): only where the
// track needs them and notes overlap; as many as the largest run of pieces
// that each start before the run's end so far, filled first fit: a piece goes
// to the lowest voice whose last piece has ended by its offset.
inline std::vector<std::vector<ScoreElement>> bar_voices(const std::vector<ScoreElement>& pieces,
                                                         const Bar& bar, bool voices_required) {
    size_t voice_count = 1;
    if (voices_required && pieces.size() > 1) {
        size_t group = 1, largest = 1;
        int64_t group_end = pieces[0].offset + pieces[0].duration;
        for (size_t k = 1; k < pieces.size(); ++k) {
            group = pieces[k].offset < group_end ? group + 1 : 1;
            group_end = group == 1 ? pieces[k].offset + pieces[k].duration
                                   : std::max(group_end, pieces[k].offset + pieces[k].duration);
            largest = std::max(largest, group);
        }
        voice_count = largest;
    }
    std::vector<std::vector<ScoreElement>> voices(voice_count);
    if (voice_count == 1) {
        voices[0] = pieces;
        return voices;
    }
    // Offsets only grow, so a voice that has ended stays free until it is
    // taken: the free voices in a set (lowest first), the sounding ones in a
    // queue by their end. O(pieces log voices) where a scan of the voices
    // for every piece was O(pieces x voices).
    std::set<size_t> free_voices;
    for (size_t v = 0; v < voice_count; ++v) free_voices.insert(free_voices.end(), v);
    using Sounding = std::pair<int64_t, size_t>;  // (end relative to the bar, voice)
    std::priority_queue<Sounding, std::vector<Sounding>, std::greater<Sounding>> sounding;
    for (const auto& p : pieces) {
        const int64_t at = p.offset - bar.start;
        if (at < 0) continue;  // as the scan did (no voice ends before 0); no file's offset is negative
        while (!sounding.empty() && sounding.top().first <= at) {
            free_voices.insert(sounding.top().second);
            sounding.pop();
        }
        if (free_voices.empty()) continue;  // cannot happen: voice_count bounds the overlap
        const size_t v = *free_voices.begin();
        free_voices.erase(free_voices.begin());
        voices[v].push_back(p);
        sounding.push({at + p.duration, v});  // a grace note's voice is free again at once
    }
    return voices;
}

// Step 4 for one bar (number `bar_index`): its voices with their rests,
// appended to `out` voice by voice; every rest is spent from `budget`.
// `meta_points` ascending.
inline void bar_contents(const std::vector<ScoreElement>& pieces, const Bar& bar, size_t bar_index,
                         const std::vector<int64_t>& meta_points, bool voices_required,
                         bool include_rests, int track, ElementBudget& budget,
                         std::vector<ScoreElement>& out) {
    std::vector<std::vector<ScoreElement>> voices = bar_voices(pieces, bar, voices_required);
    std::vector<int64_t> splits;
    if (voices.size() == 1)
        for (auto m = std::upper_bound(meta_points.begin(), meta_points.end(), bar.start);
             m != meta_points.end() && *m < bar.start + bar.length; ++m)
            splits.push_back(*m - bar.start);
    for (auto& voice : voices) {
        if (voice.empty() && voices.size() > 1) continue;
        if (include_rests) {
            std::vector<ScoreElement> rests;
            fill_rests(voice, bar.length, splits, track, bar.start, rests);
            if (!rests.empty()) budget.spend(int64_t(rests.size()), ScoreCost::rest, track, bar_index);
            voice.insert(voice.end(), rests.begin(), rests.end());
        }
        std::stable_sort(voice.begin(), voice.end(), ScoreOrder{});
        out.insert(out.end(), std::make_move_iterator(voice.begin()),
                   std::make_move_iterator(voice.end()));
    }
}

}  // namespace cadenza::music::detail
