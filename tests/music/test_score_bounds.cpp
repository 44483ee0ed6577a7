// Tests for the bounds on a score's work (score_budget.hpp, measures.hpp,
// score.hpp): a file whose score would outgrow its budget is refused with one
// sentence at the exact limit, and the faster steps that keep big inputs in
// proportion (chords gathered by end tick, the quantizer's look-ahead by a
// stack, first-fit voices by a queue, part spans by binary search) give what
// the direct scans they replaced give, on random inputs.
#include <catch2/catch.hpp>

#include <cadenza/music/tokenize.hpp>

#include "note_files.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using cadenza::midi::MidiFile;
using cadenza::midi::Note;
namespace music = cadenza::music;
namespace detail = cadenza::music::detail;

namespace {

MidiFile file_of(std::vector<Note> notes) {
    MidiFile f = cadenza_test::make_file(std::move(notes));
    f.name = "held.mid";
    return f;
}

// A note of track 1, the `sequence`-th in its file.
Note note_at(int pitch, int64_t start, int64_t end, int sequence) {
    return cadenza_test::make_note(pitch, start, end, 1, 0, sequence);
}

// `count` notes, one on every barline of 4/4 at 480 ticks a quarter, each
// held `bars` bars: `count * bars` elements without rests.
MidiFile held_notes(int count, int bars) {
    std::vector<Note> notes;
    for (int i = 0; i < count; ++i)
        notes.push_back(note_at(48 + i % 24, int64_t(i) * 1920, int64_t(i + bars) * 1920, i));
    return file_of(notes);
}

std::string refusal(const MidiFile& f, const music::ScoreOptions& o) {
    try {
        music::score_elements(f, o);
    } catch (const music::ScoreSizeError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("a score larger than its budget is refused with one sentence", "[tokenize][bounds]") {
    // 300 notes held 60 bars each (under max_quiet_bars, so nothing is cut):
    // 18,000 tied pieces from 300 notes, above the floor of 16,384.
    const MidiFile f = held_notes(300, 60);
    music::ScoreOptions o;
    const std::string why = refusal(f, o);
    CHECK(why.find("held.mid: track 1, bar ") == 0);
    CHECK(why.find("more than 16384 elements (16 for each of the file's 300 notes and meta events, "
                   "at least 16384), from notes held across too many barlines; the file is not "
                   "tokenized") != std::string::npos);
    // The limit is exact: 18,000 elements fit a budget of 18,000, not 17,999.
    o.min_element_budget = 18000;
    CHECK(music::score_elements(f, o).size() == 18000);
    o.min_element_budget = 17999;
    CHECK_THROWS_AS(music::score_elements(f, o), music::ScoreSizeError);
    // Above the floor the budget is 16 per note: 1,100 notes held 60 bars.
    const std::string many = refusal(held_notes(1100, 60), music::ScoreOptions{});
    CHECK(many.find("more than 17600 elements (16 for each of the file's 1100 notes") != std::string::npos);
    // A chord costs one per pitch: 100 three-note chords held 60 bars are
    // 18,000, refused at 16 per note (4,800) with a floor of 1,000.
    std::vector<Note> chords;
    for (int i = 0; i < 100; ++i)
        for (int k = 0; k < 3; ++k)
            chords.push_back(note_at(60 + 4 * k, int64_t(i) * 1920, int64_t(i + 60) * 1920, 3 * i + k));
    music::ScoreOptions small;
    small.min_element_budget = 1000;
    CHECK(refusal(file_of(chords), small).find("more than 4800 elements") != std::string::npos);
    small.min_element_budget = 18000;
    CHECK(music::score_elements(file_of(chords), small).size() == 6000);
    // A budget too large to compute saturates instead of wrapping to the floor.
    music::ScoreOptions unbounded;
    unbounded.max_elements_per_event = std::numeric_limits<int64_t>::max();
    CHECK(music::score_elements(f, unbounded).size() == 18000);
    // Divisors of the grid must be positive: one sentence, not a division by 0.
    music::ScoreOptions zero;
    zero.quarter_length_divisors = {4, 0};
    CHECK_THROWS_WITH(music::score_elements(f, zero),
                      "ScoreOptions::quarter_length_divisors must be positive, got 0");
}

namespace {
// `count` quarter notes 60 bars apart: 59 empty bars after each but the last.
MidiFile sparse_notes(int count) {
    std::vector<Note> notes;
    for (int i = 0; i < count; ++i)
        notes.push_back(note_at(60, int64_t(i) * 60 * 1920, int64_t(i) * 60 * 1920 + 480, i));
    return file_of(notes);
}
}  // namespace

TEST_CASE("rests and empty bars past the budget are refused too", "[tokenize][bounds]") {
    // 270 notes: without rests 270 elements and 269 * 59 empty bars (16,141
    // spent); with rests each note's bar has its rest too (16,411): past the
    // floor of 16,384.
    const MidiFile f = sparse_notes(270);
    music::ScoreOptions o;
    CHECK(music::score_elements(f, o).size() == 270);
    o.include_rests = true;
    CHECK(refusal(f, o).find("from too many rests in empty bars and voices") != std::string::npos);
    o.min_element_budget = 16411;
    CHECK(music::score_elements(f, o).size() == 16411);
    // 300 notes without rests: 17,941 spent, mostly on bars that hold nothing.
    CHECK(refusal(sparse_notes(300), music::ScoreOptions{}).find("from too many empty bars") != std::string::npos);
    // The songs of the paper's data make at most 2 elements per event; the
    // same notes 2 bars apart make 3 (the note, its bar's rest, an empty bar).
    std::vector<Note> song;
    for (int i = 0; i < 2000; ++i) song.push_back(note_at(60, int64_t(i) * 2 * 1920, int64_t(i) * 2 * 1920 + 480, i));
    CHECK(music::score_elements(file_of(song), o).size() == 5999);  // the last bar ends the song
}

// ---- the faster steps against the direct scans they replaced ----

namespace {

// The chords of gather_chords as a scan of every note's window.
std::pair<std::vector<std::vector<int>>, bool> gather_by_scan(const MidiFile& file, double tolerance) {
    std::vector<const Note*> notes;
    for (const auto& n : file.notes) notes.push_back(&n);
    std::stable_sort(notes.begin(), notes.end(), [](const Note* a, const Note* b) {
        return a->start_tick != b->start_tick ? a->start_tick < b->start_tick : a->sequence < b->sequence;
    });
    std::vector<std::vector<int>> chords;
    bool voices = false;
    std::vector<bool> gathered(notes.size(), false);
    for (size_t i = 0; i < notes.size(); ++i) {
        if (gathered[i]) continue;
        std::vector<int> chord = {notes[i]->pitch};
        for (size_t j = i + 1; j < notes.size(); ++j) {
            if (std::fabs(double(notes[j]->start_tick - notes[i]->start_tick)) >= tolerance) break;
            if (std::fabs(double(notes[j]->end_tick - notes[i]->end_tick)) > tolerance) {
                voices = true;
                continue;
            }
            chord.push_back(notes[j]->pitch);
            gathered[j] = true;
        }
        chords.push_back(chord);
    }
    return {chords, voices};
}

// The look-ahead of quantize_elements as a scan forward from every element.
std::vector<int64_t> durations_by_scan(const std::vector<detail::TimedElement>& timed, double tpq,
                                       const std::vector<int>& divisors) {
    std::vector<int64_t> durations;
    for (size_t i = 0; i < timed.size(); ++i) {
        if (timed[i].meta) continue;
        const double offset = detail::best_match(double(timed[i].tick) / tpq, divisors, true);
        const double raw = double(std::max<int64_t>(timed[i].duration_ticks, 0)) / tpq;
        double gap = -1.0;
        for (size_t j = i + 1; j < timed.size(); ++j) {
            const double next = detail::best_match(double(timed[j].tick) / tpq, divisors, true);
            if (next > offset) {
                gap = double(detail::to_units(next) - detail::to_units(offset)) / double(music::kUnitsPerQuarter);
                break;
            }
        }
        const bool zero = timed[i].duration_ticks == 0;
        durations.push_back(detail::to_units(gap >= 0.0 ? detail::best_match(raw, divisors, zero, gap)
                                                       : detail::best_match(raw, divisors, zero)));
    }
    return durations;
}

// First fit by a scan of the voices for every piece.
std::vector<std::vector<music::ScoreElement>> voices_by_scan(const std::vector<music::ScoreElement>& pieces,
                                                             const detail::Bar& bar, size_t voice_count) {
    std::vector<std::vector<music::ScoreElement>> voices(voice_count);
    std::vector<int64_t> highest(voice_count, 0);
    for (const auto& p : pieces)
        for (size_t v = 0; v < voice_count; ++v)
            if (highest[v] <= p.offset - bar.start) {
                voices[v].push_back(p);
                highest[v] = std::max(highest[v], p.offset - bar.start + p.duration);
                break;
            }
    return voices;
}

bool same_pieces(const std::vector<music::ScoreElement>& a, const std::vector<music::ScoreElement>& b) {
    if (a.size() != b.size()) return false;
    for (size_t k = 0; k < a.size(); ++k)
        if (a[k].offset != b[k].offset || a[k].duration != b[k].duration || a[k].pitches != b[k].pitches)
            return false;
    return true;
}

}  // namespace

TEST_CASE("chords gathered by end tick equal the scan of every window", "[tokenize][bounds]") {
    std::mt19937 rng(7);
    int with_voices = 0, with_chords = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const int count = 1 + int(rng() % 60);
        const int64_t spread = 1 + rng() % 2000, length = 1 + rng() % 800;
        std::vector<Note> notes;
        for (int k = 0; k < count; ++k) {
            const int64_t start = int64_t(rng() % uint32_t(spread));
            notes.push_back(note_at(36 + int(rng() % 48), start, start + int64_t(rng() % uint32_t(length)), k));
        }
        const MidiFile f = file_of(notes);
        const auto gathered = detail::gather_chords(f, 1, 480.0, {4, 3});
        const auto [chords, voices] = gather_by_scan(f, 480.0 / 4);
        REQUIRE(gathered.timed.size() == chords.size());
        for (size_t c = 0; c < chords.size(); ++c) CHECK(gathered.timed[c].element.pitches == chords[c]);
        CHECK(gathered.voices_required == voices);
        with_voices += voices;
        with_chords += std::any_of(chords.begin(), chords.end(), [](const auto& c) { return c.size() > 1; });
    }
    CHECK(with_voices > 50);  // the random files reach both branches
    CHECK(with_chords > 50);
}

TEST_CASE("the quantizer's look-ahead by a stack equals the forward scan", "[tokenize][bounds]") {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 300; ++trial) {
        std::vector<detail::TimedElement> timed(1 + rng() % 80);
        int64_t tick = 0;
        for (size_t k = 0; k < timed.size(); ++k) {
            tick += rng() % 3 == 0 ? 0 : int64_t(rng() % 200);  // many share a tick
            timed[k].tick = tick;
            timed[k].duration_ticks = rng() % 5 == 0 ? 0 : int64_t(rng() % 1500);
            timed[k].meta = rng() % 7 == 0;
            timed[k].element.pitches = {60};
        }
        const auto elements = detail::quantize_elements(timed, 480.0, {4, 3});
        std::vector<int64_t> durations;
        for (const auto& e : elements) durations.push_back(e.duration);
        std::vector<int64_t> expected = durations_by_scan(timed, 480.0, {4, 3});
        // quantize_elements returns them in ScoreOrder; the scan in stream order
        std::vector<std::pair<int64_t, int64_t>> got, want;
        size_t w = 0;
        for (size_t k = 0; k < timed.size(); ++k)
            if (!timed[k].meta)
                want.push_back({detail::quantized_offset(timed[k].tick, 480.0, {4, 3}), expected[w++]});
        for (const auto& e : elements) got.push_back({e.offset, e.duration});
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        CHECK(got == want);
    }
}

TEST_CASE("first-fit voices by a queue equal the scan of every voice", "[tokenize][bounds]") {
    std::mt19937 rng(13);
    const detail::Bar bar{3840, 1920};
    for (int trial = 0; trial < 300; ++trial) {
        std::vector<music::ScoreElement> pieces(2 + rng() % 40);
        for (size_t k = 0; k < pieces.size(); ++k) {
            pieces[k].offset = bar.start + int64_t(rng() % 16) * 120;
            pieces[k].duration = rng() % 6 == 0 ? 0 : int64_t(1 + rng() % 1920);
            pieces[k].pitches = {int(k)};
        }
        std::stable_sort(pieces.begin(), pieces.end(), music::ScoreOrder{});
        const auto voices = detail::bar_voices(pieces, bar, true);
        const auto expected = voices_by_scan(pieces, bar, voices.size());
        REQUIRE(voices.size() == expected.size());
        for (size_t v = 0; v < voices.size(); ++v) CHECK(same_pieces(voices[v], expected[v]));
        size_t placed = 0;
        for (const auto& v : voices) placed += v.size();
        CHECK(placed == pieces.size());
    }
}

TEST_CASE("part spans by binary search hold what any span holds", "[tokenize][bounds]") {
    std::mt19937 rng(17);
    for (int trial = 0; trial < 200; ++trial) {
        // consecutive spans as first_instrument_part makes them: each ends
        // where the next starts, some of length zero, the last open
        std::vector<int64_t> starts(1 + rng() % 12);
        for (auto& s : starts) s = int64_t(rng() % 40) * 12;
        std::sort(starts.begin(), starts.end());
        std::vector<music::PartSpan> all, kept;
        for (size_t k = 0; k < starts.size(); ++k)
            all.push_back({starts[k], k + 1 < starts.size() ? starts[k + 1] : int64_t(1) << 40});
        for (const auto& s : all)
            if (rng() % 2) kept.push_back(s);
        const music::PartSpans spans(kept);
        for (int64_t offset = 0; offset < 520; offset += 6)
            for (int64_t duration : {0, 12}) {
                const bool any = std::any_of(kept.begin(), kept.end(), [&](const music::PartSpan& s) {
                    return s.contains(offset, duration);
                });
                CHECK(spans.contain(offset, duration) == any);
            }
    }
}
