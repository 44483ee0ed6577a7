// cadenza/music/score.hpp: a MidiFile as music21's stream sees it after
// import: notes, chords, rests and percussion, quantized, with ties at
// barlines and rests per measure (paper_tokens.hpp spells them as tokens).
//
//   ScoreOptions options;                                  // include_rests, parts
//   auto elements = score_elements(midi_file, options);    // music21's view
//
// The paper's Python (music21) does, per file:
//   midi  = converter.parse(file)                 # quantized, one part per track
//   parts = instrument.partitionByInstrument(midi)
//   for element in parts.parts[0].recurse():      # notes, chords (and rests)
//       Note  -> str(element.pitch)                # "E-4"
//       Chord -> '.'.join(str(n) for n in element.normalOrder)
//       Rest  -> "rest_" + str(element.quarterLength)   (the variant with rests)
// score_elements reproduces what that loop sees, step by step as music21 10
// (steps 1 and 2 here, 3 and 4 in measures.hpp, 5 in instruments.hpp):
//  1. A part per track that has notes. Within a track, notes (any channel) are
//     taken in onset order; a note gathers into its chord every later note
//     that starts less than ticks_per_quarter/4 after it and ends no more than
//     that apart from it; one that starts together but ends elsewhere stays
//     separate and makes the track "need voices". A chord's duration is that
//     of its last gathered note (music21's own choice). Zero-length notes are
//     grace notes. Anything involving channel 9 (drums) becomes percussion:
//     it takes time but gives no token.
//  2. Quantization to the (4, 3) grid: offsets and durations snap to the
//     nearest multiple of 1/4 or 1/3 quarter (ties to the lower multiple, then
//     the 1/4 grid); a sounding duration never snaps to 0; a duration prefers
//     the grid that exactly reaches the next later element (music21's gap
//     look-ahead). Tempo, time and key signatures of the track count as
//     elements for that look-ahead.
//  3. Measures from the time signatures of the conductor (tracks without
//     notes) and of the track itself (4/4 when none); notes crossing a barline
//     are split there (a tied continuation is one more token).
//  4. Rests fill each measure where nothing of that track sounds, split at
//     tempo/key/time-signature points that fall inside a gap. In a track that
//     needs voices, a measure with overlapping notes is split into voices
//     (first fit) and every voice gets its own rests.
//  5. partitionByInstrument, parts[0] (ScoreOptions::parts, default
//     first_instrument): program changes and track/instrument names become
//     instruments; each lasts until the next of its track; parts[0] takes what
//     starts inside the spans of the first instrument name met (track order).
//     Merged in order of offset, grace notes first, then track, then the
//     order inside the track. all_tracks merges every track instead.
// Differences from music21 that remain (docs/music-encoding.md): notes with
// the same pitch that overlap pair with the reader's first-in-first-out rule
// instead of music21's nearest-following note-off; some measures with voices
// get other rests.
//
// Times inside use whole units of 1/48 quarter note, which hold every point of
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "cadenza/error.hpp"
#include "cadenza/midi/midi_types.hpp"
#include "cadenza/music/instruments.hpp"
#include "cadenza/music/measures.hpp"
#include "cadenza/music/quantize.hpp"
#include "cadenza/music/score_budget.hpp"
#include "cadenza/music/score_element.hpp"

namespace cadenza::music {

namespace detail {

struct TimedElement {  // before quantization
    ScoreElement element;
    int64_t tick = 0, duration_ticks = 0;
    bool meta = false;  // tempo/time/key signature: only a look-ahead anchor
    int class_order = 20;
    size_t insert_index = 0;
};

// The notes of one track gathered into chords (step 1).
struct GatheredTrack {
    std::vector<TimedElement> timed;
    bool voices_required = false;  // notes start together but end apart
};

// Step 1: notes (any channel) in onset order, ties in file order; music21
// gathers without checking whether a later note was already taken by an
// earlier chord, so a note can sound in two.
inline GatheredTrack gather_chords(const midi::MidiFile& file, int track, double tpq,
                                   const std::vector<int>& divisors) {
    std::vector<const midi::Note*> notes;
    for (const auto& n : file.notes)
        if (n.track == track) notes.push_back(&n);
    std::stable_sort(notes.begin(), notes.end(), [](const midi::Note* a, const midi::Note* b) {
        return a->start_tick != b->start_tick ? a->start_tick < b->start_tick
                                              : a->sequence < b->sequence;
    });
    const int max_divisor =
        divisors.empty() ? 4 : *std::max_element(divisors.begin(), divisors.end());
    const double tolerance = tpq / max_divisor;
    GatheredTrack out;
    const size_t count = notes.size();
    std::vector<bool> gathered(count, false);
    // The notes after note i that start less than `tolerance` after it (its
    // window), by end tick: the chord of i is the window's notes that end
    // within `tolerance` of i, looked up by end in O(log n) instead of a scan
    // of the window (thousands of notes on one tick once cost O(n^2)).
    std::set<std::pair<int64_t, size_t>> window;  // (end tick, index), indices in (i, w)
    const auto reach = int64_t(std::ceil(tolerance));
    size_t w = 0;
    for (size_t i = 0; i < count; ++i) {
        if (w > i) window.erase({notes[i]->end_tick, i});
        else w = i + 1;
        while (w < count && std::fabs(double(notes[w]->start_tick - notes[i]->start_tick)) < tolerance) {
            window.insert({notes[w]->end_tick, w});
            ++w;
        }
        if (gathered[i]) continue;
        const int64_t end = notes[i]->end_tick;
        auto apart = [&](int64_t other_end) { return std::fabs(double(other_end - end)) > tolerance; };
        if (!window.empty() && (apart(window.begin()->first) || apart(window.rbegin()->first)))
            out.voices_required = true;  // a note starts together with i but ends elsewhere
        std::vector<size_t> members;
        for (auto it = window.lower_bound({end - reach, 0}); it != window.end() && it->first <= end + reach; ++it)
            if (!apart(it->first)) members.push_back(it->second);
        std::sort(members.begin(), members.end());  // gathering order: onset order
        std::vector<const midi::Note*> group = {notes[i]};
        for (size_t j : members) {
            group.push_back(notes[j]);
            gathered[j] = true;
        }
        TimedElement t;
        bool drums = false;
        for (const auto* n : group) {
            t.element.pitches.push_back(n->pitch);
            drums = drums || n->channel == kDrumChannel;
        }
        t.element.kind = drums              ? ScoreElement::Kind::percussion
                         : group.size() > 1 ? ScoreElement::Kind::chord
                                            : ScoreElement::Kind::note;
        t.element.track = track;
        t.tick = notes[i]->start_tick;
        t.duration_ticks = group.back()->end_tick - group.back()->start_tick;
        t.insert_index = out.timed.size();
        out.timed.push_back(t);
    }
    return out;
}

// Tempo, time and key signatures of the track, and its instruments, also sit
// in its stream: anchors for step 2's look-ahead. Then the stream's order.
inline void add_meta_anchors(const midi::MidiFile& file, int track,
                             const std::vector<int64_t>& instrument_ticks,
                             std::vector<TimedElement>& timed) {
    std::vector<int64_t> own_meta_ticks;
    for (const auto& e : file.tempo_map)
        if (e.track == track) own_meta_ticks.push_back(e.tick);
    for (const auto& e : file.time_signatures)
        if (e.track == track) own_meta_ticks.push_back(e.tick);
    for (const auto& e : file.key_signatures)
        if (e.track == track) own_meta_ticks.push_back(e.tick);
    own_meta_ticks.insert(own_meta_ticks.end(), instrument_ticks.begin(), instrument_ticks.end());
    for (int64_t tick : own_meta_ticks) {
        TimedElement t;
        t.meta = true;
        t.tick = tick;
        t.class_order = 1;
        t.insert_index =
            size_t(-1) / 2 + timed.size();  // metas were inserted first, but sort below by class
        timed.push_back(t);
    }
    std::stable_sort(timed.begin(), timed.end(), [](const TimedElement& a, const TimedElement& b) {
        if (a.tick != b.tick) return a.tick < b.tick;
        if (a.class_order != b.class_order) return a.class_order < b.class_order;
        const bool ga = !a.meta && a.duration_ticks == 0, gb = !b.meta && b.duration_ticks == 0;
        if (ga != gb) return ga;  // grace notes first
        return a.insert_index < b.insert_index;
    });
}

// Step 2: offsets and durations on the grid, with music21's look-ahead: a
// duration prefers the grid that exactly reaches the next later element (the
// first element after it in stream order whose snapped offset is greater).
inline std::vector<ScoreElement> quantize_elements(const std::vector<TimedElement>& timed,
                                                   double tpq, const std::vector<int>& divisors) {
    const size_t n = timed.size();
    std::vector<double> snapped(n);
    for (size_t i = 0; i < n; ++i) snapped[i] = best_match(double(timed[i].tick) / tpq, divisors, true);
    // next_later[i]: the first j > i with snapped[j] > snapped[i] (n: none),
    // from a stack swept backwards, so that many elements on one offset cost
    // O(n) instead of O(n^2).
    std::vector<size_t> next_later(n, n), stack;
    for (size_t i = n; i-- > 0;) {
        while (!stack.empty() && snapped[stack.back()] <= snapped[i]) stack.pop_back();
        if (!stack.empty()) next_later[i] = stack.back();
        stack.push_back(i);
    }
    std::vector<ScoreElement> elements;
    for (size_t i = 0; i < n; ++i) {
        if (timed[i].meta) continue;
        ScoreElement e = timed[i].element;
        const double offset = snapped[i];
        e.offset = to_units(offset);
        const double raw_duration = double(std::max<int64_t>(timed[i].duration_ticks, 0)) / tpq;
        const bool zero_allowed = timed[i].duration_ticks == 0;  // grace notes stay 0
        double gap = -1.0;
        if (next_later[i] < n)
            gap = double(to_units(snapped[next_later[i]]) - e.offset) / double(kUnitsPerQuarter);
        const double duration = gap >= 0.0 ? best_match(raw_duration, divisors, zero_allowed, gap)
                                           : best_match(raw_duration, divisors, zero_allowed);
        e.duration = to_units(duration);
        elements.push_back(std::move(e));
    }
    std::stable_sort(elements.begin(), elements.end(), ScoreOrder{});
    return elements;
}

// One track as music21's midiTrackToStream + makeMeasures/makeTies/makeRests
// and flatten() leave it: steps 1 to 4, its bars, pieces and rests spent from
// `budget`.
inline std::vector<ScoreElement> track_elements(const midi::MidiFile& file, int track,
                                                const ScoreOptions& options, ElementBudget& budget) {
    const double tpq = ticks_per_quarter(file);
    const auto& divisors = options.quarter_length_divisors;
    std::vector<int64_t> instrument_ticks;
    for (const auto& e : track_instruments(file, track)) instrument_ticks.push_back(e.tick);
    GatheredTrack gathered = gather_chords(file, track, tpq, divisors);
    add_meta_anchors(file, track, instrument_ticks, gathered.timed);
    std::vector<ScoreElement> elements = quantize_elements(gathered.timed, tpq, divisors);
    const TrackMeasures measures = track_measures(file, track, elements, instrument_ticks, tpq,
                                                  divisors, options.max_quiet_bars);
    auto in_bar = split_into_bars(elements, measures.bars, budget, track);
    std::vector<ScoreElement>().swap(elements);
    std::vector<ScoreElement> flat;
    for (size_t b = 0; b < measures.bars.size(); ++b) {
        const size_t before = flat.size();
        bar_contents(in_bar[b], measures.bars[b], b, measures.meta_points, gathered.voices_required,
                     options.include_rests, track, budget, flat);
        if (flat.size() == before) budget.spend(1, ScoreCost::empty_bar, track, b);
        std::vector<ScoreElement>().swap(in_bar[b]);
    }
    std::stable_sort(flat.begin(), flat.end(), ScoreOrder{});
    return flat;
}

}  // namespace detail

// The elements music21 would list for this file (see the header comment),
// percussion included (it has no token; paper_tokens skips it). Step 5
// chooses the tracks and merges them in order of offset, grace notes first,
// then track, then the order inside the track. Throws ScoreSizeError when the
// score would outgrow its budget (score_budget.hpp).
inline std::vector<ScoreElement> score_elements(const midi::MidiFile& file,
                                                const ScoreOptions& options = {}) {
    for (int d : options.quarter_length_divisors)
        CADENZA_CHECK(d > 0, "ScoreOptions::quarter_length_divisors must be positive, got ", d);
    detail::ElementBudget budget(file, options);
    std::vector<int> tracks;
    for (const auto& n : file.notes) tracks.push_back(n.track);
    for (const auto& n : file.unterminated) tracks.push_back(n.track);
    std::sort(tracks.begin(), tracks.end());
    tracks.erase(std::unique(tracks.begin(), tracks.end()), tracks.end());
    const PartSelection selection =
        options.merge_tracks ? options.parts : PartSelection::first_track;
    std::vector<ScoreElement> merged;
    const auto part = selection == PartSelection::first_instrument
                          ? first_instrument_part(file, tracks, options.quarter_length_divisors)
                          : std::nullopt;
    if (part) {
        for (size_t t = 0; t < tracks.size(); ++t) {
            const PartSpans spans((*part)[t]);
            for (auto& e : detail::track_elements(file, tracks[t], options, budget))
                if (spans.contain(e.offset, e.duration)) merged.push_back(std::move(e));
        }
    } else {
        // Without instruments parts[0] is the first track, as first_track is.
        if (selection != PartSelection::all_tracks && tracks.size() > 1) tracks.resize(1);
        for (int track : tracks) {
            auto elements = detail::track_elements(file, track, options, budget);
            merged.insert(merged.end(), std::make_move_iterator(elements.begin()),
                          std::make_move_iterator(elements.end()));
        }
    }
    std::stable_sort(merged.begin(), merged.end(), ScoreOrder{});
    return merged;
}

}  // namespace cadenza::music
