// cadenza/music/tokenize.hpp: the paper's note/chord/rest tokens, made from a
// MidiFile the way music21 makes them, and decoded back into notes.
//
//   ScoreOptions options;                      // include_rests, merge_tracks
//   auto elements = score_elements(midi_file, options);   // music21's view
//   auto tokens   = paper_tokens(midi_file, options);      // "E-4", "4.9", "rest_1/3"
//   auto merged   = piano_merge_tokens(midi_file);         // one stream, wider chords
//   auto notes    = decode_paper_tokens(tokens, 480);      // 0.5-quarter steps
//
// The paper's Python (music21) does, per file:
//   midi  = converter.parse(file)                 # quantized, one part per track
//   parts = instrument.partitionByInstrument(midi)
//   for element in parts.parts[0].recurse():      # notes, chords (and rests)
//       Note  -> str(element.pitch)                # "E-4"
//       Chord -> '.'.join(str(n) for n in element.normalOrder)
//       Rest  -> "rest_" + str(element.quarterLength)   (the variant with rests)
// score_elements reproduces what that loop sees, step by step as music21 10:
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
//  5. The parts are merged (merge_tracks: as partitionByInstrument does when
//     all tracks carry the same instrument) in order of offset, grace notes
//     first, then track, then the order inside the track.
// Differences from music21 that remain (docs/music-encoding.md): music21
// partitions by instrument name (from track names and program changes, and
// keeps only parts[0]); notes with the same pitch that overlap pair with the
// reader's first-in-first-out rule instead of music21's; notes that start on
// one tick keep the reader's (channel, pitch) order rather than file order.
//
// Times inside use whole units of 1/48 quarter note, which hold every point of
// the (4, 3) grid and every barline down to 1/16-note denominators.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "midi_types.hpp"
#include "pitch_names.hpp"

namespace cadenza::music {

constexpr int64_t kUnitsPerQuarter = 48;
constexpr int kDrumChannel = 9;

// A duration or offset in units as a quarter-length string the way Python
// prints music21's values: a float when the value is dyadic ("1.0", "0.25",
// "2.75"), otherwise a reduced fraction ("1/3", "13/12").
inline std::string quarter_length_string(int64_t units) {
    int64_t num = units, den = kUnitsPerQuarter;
    const int64_t g = std::gcd(num < 0 ? -num : num, den);
    num /= g;
    den /= g;
    if ((den & (den - 1)) == 0) {
        // dyadic: exact short decimal, with at least one digit after the point
        std::string whole = std::to_string(num / den);
        if (num < 0 && num / den == 0) whole = "-0";
        int64_t rem = (num < 0 ? -num : num) % den;
        std::string frac;
        if (rem == 0) frac = "0";
        while (rem != 0) {
            rem *= 10;
            frac += char('0' + rem / den);
            rem %= den;
        }
        return whole + "." + frac;
    }
    return std::to_string(num) + "/" + std::to_string(den);
}

// What music21's stream holds after import: a note, a chord, a rest, or
// something on the drum channel (percussion: no token).
struct ScoreElement {
    enum class Kind { note, chord, rest, percussion };
    Kind kind = Kind::note;
    std::vector<int> pitches;   // MIDI keys, in gathering order (empty for rests)
    int64_t offset = 0;         // units of 1/48 quarter from the start
    int64_t duration = 0;       // units; 0 for a grace note
    int track = 0;
    bool tie_continuation = false;  // piece after a barline of a split note
    bool grace() const { return duration == 0 && kind != Kind::rest; }
};

struct ScoreOptions {
    bool include_rests = false;   // the paper's variant with rest tokens
    bool merge_tracks = true;     // all tracks in one part (else only the first track with notes)
    std::vector<int> quarter_length_divisors = {4, 3};  // music21's default grid
};

namespace detail {

// Python's round(x, 7) for the small errors compared here.
inline double round7(double x) { return std::round(x * 1e7) / 1e7; }

struct GridMatch {
    double remaining_gap, error, tick, match;
};

// music21's Stream.quantize bestMatch: nearest multiple per divisor (ties to
// the lower multiple), never 0 when zero is not allowed, then the smallest
// (remaining gap, error, tick).
inline double best_match(double target, const std::vector<int>& divisors, bool zero_allowed,
                         double gap_to_fill = 0.0) {
    bool have = false;
    GridMatch best{0, 0, 0, 0};
    for (int div : divisors) {
        const double tick = 1.0 / div;
        const double mult = std::floor(target / tick);
        const double low = tick * mult, high = tick * (mult + 1);
        double match, error;
        if (low <= target && target <= low + tick / 2.0) {
            match = low;
            error = round7(target - low);
        } else {
            match = high;
            error = round7(high - target);
        }
        if (!zero_allowed && match == 0.0) {
            match = tick;
            error = std::fabs(round7(target - match));
        }
        const double remaining = std::fmod(gap_to_fill, tick) == 0.0
                                     ? 0.0 : std::max(gap_to_fill - match, 0.0);
        GridMatch m{remaining, error, tick, match};
        auto key = [](const GridMatch& g) { return std::make_tuple(g.remaining_gap, g.error, g.tick, g.match); };
        if (!have || key(m) < key(best)) best = m;
        have = true;
    }
    return best.match;
}

inline int64_t to_units(double quarters) { return std::llround(quarters * double(kUnitsPerQuarter)); }

struct TimedElement {  // before quantization
    ScoreElement element;
    int64_t tick = 0, duration_ticks = 0;
    bool meta = false;  // tempo/time/key signature: only a look-ahead anchor
    int class_order = 20;
    size_t insert_index = 0;
};

struct Bar {
    int64_t start = 0, length = 4 * kUnitsPerQuarter;
};

// Barlines from time signatures (given as (offset units, bar length units)),
// covering [0, end).
inline std::vector<Bar> make_bars(const std::vector<std::pair<int64_t, int64_t>>& signatures, int64_t end) {
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

// Rests over [0, bar_length) where `pieces` (offsets relative to the bar)
// leave silence, split at `split_points` that fall strictly inside a gap.
inline void fill_rests(const std::vector<ScoreElement>& pieces, int64_t bar_length,
                       const std::vector<int64_t>& split_points, int track,
                       int64_t bar_start, std::vector<ScoreElement>& out) {
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (const auto& p : pieces) spans.push_back({p.offset - bar_start, p.offset - bar_start + p.duration});
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

// One track as music21's midiTrackToStream + makeMeasures/makeTies/makeRests
// and flatten() leave it.
inline std::vector<ScoreElement> track_elements(const midi::MidiFile& file, int track,
                                                const ScoreOptions& options) {
    const double tpq = file.division.smpte || file.division.ticks_per_quarter <= 0
                           ? 480.0 : double(file.division.ticks_per_quarter);
    const auto& divisors = options.quarter_length_divisors;
    std::vector<const midi::Note*> notes;
    for (const auto& n : file.notes)
        if (n.track == track) notes.push_back(&n);
    std::stable_sort(notes.begin(), notes.end(),
                     [](const midi::Note* a, const midi::Note* b) { return a->start_tick < b->start_tick; });

    // 1. Chords: music21 gathers without checking whether a later note was
    //    already taken by an earlier chord, so a note can sound in two.
    const int max_divisor = divisors.empty() ? 4 : *std::max_element(divisors.begin(), divisors.end());
    const double tolerance = tpq / max_divisor;
    std::vector<TimedElement> timed;
    std::vector<bool> gathered(notes.size(), false);
    bool voices_required = false;
    for (size_t i = 0; i < notes.size(); ++i) {
        if (gathered[i]) continue;
        std::vector<const midi::Note*> group = {notes[i]};
        for (size_t j = i + 1; j < notes.size(); ++j) {
            if (std::fabs(double(notes[j]->start_tick - notes[i]->start_tick)) >= tolerance) break;
            if (std::fabs(double(notes[j]->end_tick - notes[i]->end_tick)) > tolerance) {
                voices_required = true;
                continue;
            }
            group.push_back(notes[j]);
            gathered[j] = true;
        }
        TimedElement t;
        bool drums = false;
        for (const auto* n : group) {
            t.element.pitches.push_back(n->pitch);
            drums = drums || n->channel == kDrumChannel;
        }
        t.element.kind = drums ? ScoreElement::Kind::percussion
                               : group.size() > 1 ? ScoreElement::Kind::chord : ScoreElement::Kind::note;
        t.element.track = track;
        t.tick = notes[i]->start_tick;
        t.duration_ticks = group.back()->end_tick - group.back()->start_tick;
        t.insert_index = timed.size();
        timed.push_back(t);
    }
    // Tempo, time and key signatures of this track also sit in its stream.
    std::vector<int64_t> own_meta_ticks;
    for (const auto& e : file.tempo_map) if (e.track == track) own_meta_ticks.push_back(e.tick);
    for (const auto& e : file.time_signatures) if (e.track == track) own_meta_ticks.push_back(e.tick);
    for (const auto& e : file.key_signatures) if (e.track == track) own_meta_ticks.push_back(e.tick);
    for (int64_t tick : own_meta_ticks) {
        TimedElement t;
        t.meta = true;
        t.tick = tick;
        t.class_order = 1;
        t.insert_index = size_t(-1) / 2 + timed.size();  // metas were inserted first, but sort below by class
        timed.push_back(t);
    }
    std::stable_sort(timed.begin(), timed.end(), [](const TimedElement& a, const TimedElement& b) {
        if (a.tick != b.tick) return a.tick < b.tick;
        if (a.class_order != b.class_order) return a.class_order < b.class_order;
        const bool ga = !a.meta && a.duration_ticks == 0, gb = !b.meta && b.duration_ticks == 0;
        if (ga != gb) return ga;  // grace notes first
        return a.insert_index < b.insert_index;
    });

    // 2. Quantization with music21's look-ahead for durations.
    std::vector<ScoreElement> elements;
    for (size_t i = 0; i < timed.size(); ++i) {
        if (timed[i].meta) continue;
        ScoreElement e = timed[i].element;
        const double raw_offset = double(timed[i].tick) / tpq;
        const double offset = best_match(raw_offset, divisors, true);
        e.offset = to_units(offset);
        const double raw_duration = double(std::max<int64_t>(timed[i].duration_ticks, 0)) / tpq;
        const bool zero_allowed = timed[i].duration_ticks == 0;  // grace notes stay 0
        double gap = -1.0;
        for (size_t j = i + 1; j < timed.size(); ++j) {
            const double next = best_match(double(timed[j].tick) / tpq, divisors, true);
            if (next > offset) {
                gap = double(to_units(next) - e.offset) / double(kUnitsPerQuarter);
                break;
            }
        }
        const double duration = gap >= 0.0 ? best_match(raw_duration, divisors, zero_allowed, gap)
                                            : best_match(raw_duration, divisors, zero_allowed);
        e.duration = to_units(duration);
        elements.push_back(e);
    }
    std::stable_sort(elements.begin(), elements.end(), [](const ScoreElement& a, const ScoreElement& b) {
        if (a.offset != b.offset) return a.offset < b.offset;
        return a.grace() && !b.grace();
    });

    // 3. Measures: conductor time signatures (tracks without notes) and this
    //    track's own; metas of both split rests.
    std::vector<bool> has_notes(size_t(std::max(file.track_count, 1)) + 64, false);
    for (const auto& n : file.notes)
        if (n.track >= 0 && size_t(n.track) < has_notes.size()) has_notes[size_t(n.track)] = true;
    for (const auto& n : file.unterminated)
        if (n.track >= 0 && size_t(n.track) < has_notes.size()) has_notes[size_t(n.track)] = true;
    auto applies = [&](int t) { return t == track || t < 0 || size_t(t) >= has_notes.size() || !has_notes[size_t(t)]; };
    auto meta_offset = [&](int64_t tick) { return to_units(best_match(double(tick) / tpq, divisors, true)); };
    std::vector<std::pair<int64_t, int64_t>> signatures;
    std::vector<int64_t> meta_points;
    for (const auto& ts : file.time_signatures) {
        if (!applies(ts.track)) continue;
        const int64_t bar = ts.denominator > 0 ? ts.numerator * 4 * kUnitsPerQuarter / ts.denominator : 0;
        signatures.push_back({meta_offset(ts.tick), bar});
        meta_points.push_back(meta_offset(ts.tick));
    }
    std::stable_sort(signatures.begin(), signatures.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& e : file.tempo_map) if (applies(e.track)) meta_points.push_back(meta_offset(e.tick));
    for (const auto& e : file.key_signatures) if (applies(e.track)) meta_points.push_back(meta_offset(e.tick));
    int64_t end = 0;
    for (const auto& e : elements) end = std::max(end, e.offset + e.duration);
    for (int64_t p : meta_points) end = std::max(end, p);
    const std::vector<Bar> bars = make_bars(signatures, end);

    // Split at barlines (makeTies); put pieces into their bars.
    std::vector<std::vector<ScoreElement>> in_bar(bars.size());
    auto bar_of = [&](int64_t offset) {
        size_t b = size_t(std::upper_bound(bars.begin(), bars.end(), offset,
                                           [](int64_t o, const Bar& bar) { return o < bar.start; }) - bars.begin());
        return b == 0 ? size_t(0) : b - 1;
    };
    for (const auto& e : elements) {
        size_t b = bar_of(e.offset);
        ScoreElement piece = e;
        while (b + 1 < bars.size() && piece.offset + piece.duration > bars[b].start + bars[b].length) {
            const int64_t barline = bars[b].start + bars[b].length;
            ScoreElement head = piece;
            head.duration = barline - piece.offset;
            in_bar[b].push_back(head);
            piece.duration -= head.duration;
            piece.offset = barline;
            piece.tie_continuation = true;
            ++b;
        }
        in_bar[b].push_back(piece);
    }

    // 4. Rests, per bar or per voice; flatten order: bar by bar, voice by voice.
    std::vector<ScoreElement> flat;
    for (size_t b = 0; b < bars.size(); ++b) {
        const auto& pieces = in_bar[b];
        const Bar& bar = bars[b];
        // music21 makes voices only where the track needs them and notes overlap.
        size_t voice_count = 1;
        if (voices_required && pieces.size() > 1) {
            size_t group = 1, largest = 1;
            int64_t group_end = pieces[0].offset + pieces[0].duration;
            for (size_t k = 1; k < pieces.size(); ++k) {
                if (pieces[k].offset < group_end) {
                    ++group;
                } else {
                    group = 1;
                }
                group_end = group == 1 ? pieces[k].offset + pieces[k].duration
                                       : std::max(group_end, pieces[k].offset + pieces[k].duration);
                largest = std::max(largest, group);
            }
            voice_count = largest;
        }
        std::vector<std::vector<ScoreElement>> voices(voice_count);
        if (voice_count == 1) {
            voices[0] = pieces;
        } else {
            std::vector<int64_t> highest(voice_count, 0);
            for (const auto& p : pieces) {
                for (size_t v = 0; v < voice_count; ++v) {
                    if (highest[v] <= p.offset - bar.start) {
                        voices[v].push_back(p);
                        highest[v] = std::max(highest[v], p.offset - bar.start + p.duration);
                        break;
                    }
                }
            }
        }
        std::vector<int64_t> splits;
        if (voice_count == 1)
            for (int64_t m : meta_points)
                if (m > bar.start && m < bar.start + bar.length) splits.push_back(m - bar.start);
        std::vector<ScoreElement> bar_flat;
        for (const auto& voice : voices) {
            if (voice.empty() && voice_count > 1) continue;
            std::vector<ScoreElement> with_rests = voice;
            if (options.include_rests) {
                std::vector<ScoreElement> rests;
                fill_rests(voice, bar.length, splits, track, bar.start, rests);
                with_rests.insert(with_rests.end(), rests.begin(), rests.end());
            }
            std::stable_sort(with_rests.begin(), with_rests.end(), [](const ScoreElement& x, const ScoreElement& y) {
                if (x.offset != y.offset) return x.offset < y.offset;
                return x.grace() && !y.grace();
            });
            bar_flat.insert(bar_flat.end(), with_rests.begin(), with_rests.end());
        }
        flat.insert(flat.end(), bar_flat.begin(), bar_flat.end());
    }
    std::stable_sort(flat.begin(), flat.end(), [](const ScoreElement& x, const ScoreElement& y) {
        if (x.offset != y.offset) return x.offset < y.offset;
        return x.grace() && !y.grace();
    });
    return flat;
}

}  // namespace detail

// The elements music21 would list for this file (see the header comment),
// percussion included (it has no token; paper_tokens skips it).
inline std::vector<ScoreElement> score_elements(const midi::MidiFile& file, const ScoreOptions& options = {}) {
    std::vector<int> tracks;
    for (const auto& n : file.notes) tracks.push_back(n.track);
    for (const auto& n : file.unterminated) tracks.push_back(n.track);
    std::sort(tracks.begin(), tracks.end());
    tracks.erase(std::unique(tracks.begin(), tracks.end()), tracks.end());
    if (!options.merge_tracks && tracks.size() > 1) tracks.resize(1);
    std::vector<ScoreElement> merged;
    for (int track : tracks) {
        auto part = detail::track_elements(file, track, options);
        merged.insert(merged.end(), part.begin(), part.end());
    }
    std::stable_sort(merged.begin(), merged.end(), [](const ScoreElement& x, const ScoreElement& y) {
        if (x.offset != y.offset) return x.offset < y.offset;
        return x.grace() && !y.grace();
    });
    return merged;
}

// The paper's token for one element; "" for percussion.
inline std::string paper_token(const ScoreElement& e) {
    switch (e.kind) {
        case ScoreElement::Kind::note: return pitch_name(e.pitches.front());
        case ScoreElement::Kind::chord: return chord_token(e.pitches);
        case ScoreElement::Kind::rest: return "rest_" + quarter_length_string(e.duration);
        case ScoreElement::Kind::percussion: return "";
    }
    return "";
}

inline bool is_rest_token(const std::string& token) { return token.rfind("rest", 0) == 0; }

inline std::vector<std::string> paper_tokens(const midi::MidiFile& file, const ScoreOptions& options = {}) {
    std::vector<std::string> tokens;
    for (const auto& e : score_elements(file, options)) {
        std::string t = paper_token(e);
        if (!t.empty()) tokens.push_back(std::move(t));
    }
    return tokens;
}

// Piano-style merge: every non-drum note of every track in one stream; notes
// whose onsets quantize (music21's grid) to the same point form one chord,
// whatever their durations. Tokens in onset order, same spelling as above.
inline std::vector<std::string> piano_merge_tokens(const midi::MidiFile& file,
                                                   const std::vector<int>& divisors = {4, 3}) {
    const double tpq = file.division.smpte || file.division.ticks_per_quarter <= 0
                           ? 480.0 : double(file.division.ticks_per_quarter);
    std::map<int64_t, std::vector<int>> by_onset;
    for (const auto& n : file.notes) {
        if (n.channel == kDrumChannel) continue;
        by_onset[detail::to_units(detail::best_match(double(n.start_tick) / tpq, divisors, true))].push_back(n.pitch);
    }
    std::vector<std::string> tokens;
    for (auto& [onset, keys] : by_onset) {
        (void)onset;
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        tokens.push_back(keys.size() == 1 ? pitch_name(keys[0]) : chord_token(keys));
    }
    return tokens;
}

struct DecodeOptions {
    double step_quarters = 0.5;      // the paper's offset += 0.5
    double duration_quarters = 1.0;  // music21's default Note duration (a quarter)
    int chord_octave = 4;            // note.Note(int) puts a pitch class in octave 4
    int velocity = 100;
    int program = 0;
    int channel = 0;
};

// Paper tokens back to notes, as the paper's generation code does: element k
// starts at k * step; a note token keeps its pitch; a chord token "4.9" gives
// one note per pitch class in octave 4 (E4, A4); a rest token (or "rest")
// sounds nothing but still takes its step. Throws std::invalid_argument naming
// a token that is none of these.
inline std::vector<midi::Note> decode_paper_tokens(const std::vector<std::string>& tokens,
                                                   int ticks_per_quarter = 480,
                                                   const DecodeOptions& options = {}) {
    std::vector<midi::Note> notes;
    const auto step = int64_t(std::llround(options.step_quarters * ticks_per_quarter));
    const auto length = int64_t(std::llround(options.duration_quarters * ticks_per_quarter));
    for (size_t k = 0; k < tokens.size(); ++k) {
        const std::string& token = tokens[k];
        const int64_t start = int64_t(k) * step;
        std::vector<int> keys;
        if (is_rest_token(token)) {
            continue;
        } else if (!token.empty() && (std::isdigit(static_cast<unsigned char>(token[0])))) {
            size_t pos = 0;
            while (pos < token.size()) {
                size_t dot = token.find('.', pos);
                if (dot == std::string::npos) dot = token.size();
                const std::string part = token.substr(pos, dot - pos);
                if (part.empty() || part.size() > 2 ||
                    !std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
                    std::stoi(part) > 11)
                    throw std::invalid_argument("not a chord token: \"" + token + "\"");
                keys.push_back((options.chord_octave + 1) * 12 + std::stoi(part));
                pos = dot + 1;
            }
        } else {
            try {
                keys.push_back(parse_pitch_name(token));
            } catch (const std::invalid_argument&) {
                throw std::invalid_argument("not a paper token (note, chord or rest): \"" + token + "\"");
            }
        }
        for (int key : keys) {
            midi::Note n;
            n.channel = options.channel;
            n.program = options.program;
            n.pitch = key;
            n.velocity = options.velocity;
            n.start_tick = start;
            n.end_tick = start + length;
            notes.push_back(n);
        }
    }
    return notes;
}

}  // namespace cadenza::music
