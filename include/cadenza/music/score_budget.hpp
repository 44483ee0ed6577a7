// cadenza/music/score_budget.hpp: the bound on the size of a file's score,
// and the error a file meets when its score would outgrow it.
//
// A score's size is not bounded by its file's: a note held across 1,000
// barlines is 1,000 tied pieces, and 300 such notes in 22 KB of MIDI once
// made 389,000 elements (13 s under the fuzzer's sanitizers). Real songs make
// at most 2 elements per note or meta event (the 92 files of the paper's data:
// 0.5 to 2.0), so the score of a file may hold at most
// `ScoreOptions::max_elements_per_event` (16) per note and meta event of the
// file, and at least `ScoreOptions::min_element_budget` (16,384), counting a
// chord once per pitch, every rest, and every bar that holds no element
// (without rests, empty bars cost work too: a file of many tracks, each
// with its bars, once could). Past that, score_elements
// throws ScoreSizeError, before it spends more time or memory: `prepare`
// skips that file with the sentence. docs/reliability.md, section 2.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "cadenza/error.hpp"
#include "cadenza/midi/midi_types.hpp"
#include "cadenza/music/score_element.hpp"

namespace cadenza::music {

// A file whose score would outgrow its budget (see above): one sentence with
// the file, the track and bar where the budget ran out, and why.
class ScoreSizeError : public Error {
public:
    using Error::Error;
};

namespace detail {

// What is spent: an element of a note or chord (its first piece or a tied
// continuation), a rest, or a bar that holds nothing.
enum class ScoreCost { piece, rest, empty_bar };

// The elements a file's score may still make; spend() throws ScoreSizeError
// once they are used up. One per score_elements call, over all its tracks.
class ElementBudget {
public:
    ElementBudget(const midi::MidiFile& file, const ScoreOptions& options) : file_(file.name) {
        events_ = int64_t(file.notes.size() + file.unterminated.size() + file.tempo_map.size() +
                          file.time_signatures.size() + file.key_signatures.size() +
                          file.instrument_events.size());
        per_event_ = std::max<int64_t>(options.max_elements_per_event, 0);
        floor_ = std::max<int64_t>(options.min_element_budget, 0);
        const bool huge = events_ > 0 && per_event_ > std::numeric_limits<int64_t>::max() / events_;
        limit_ = huge ? std::numeric_limits<int64_t>::max() : std::max(floor_, per_event_ * events_);
    }

    // `cost`: 1 for a rest, a note or an empty bar; a chord's number of pitches.
    void spend(int64_t cost, ScoreCost what, int track, size_t bar) {
        used_ += std::max<int64_t>(cost, 1);
        if (used_ > limit_) fail(what, track, bar);
    }
    int64_t limit() const { return limit_; }
    int64_t used() const { return used_; }

private:
    [[noreturn]] void fail(ScoreCost what, int track, size_t bar) const {
        const char* why = what == ScoreCost::piece  ? "notes held across too many barlines"
                          : what == ScoreCost::rest ? "too many rests in empty bars and voices"
                                                    : "too many empty bars";
        throw ScoreSizeError((file_.empty() ? std::string("MIDI data") : file_) + ": track " +
                             std::to_string(track) + ", bar " + std::to_string(bar + 1) +
                             ": the score would hold more than " + std::to_string(limit_) +
                             " elements (" + std::to_string(per_event_) + " for each of the file's " +
                             std::to_string(events_) + " notes and meta events, at least " +
                             std::to_string(floor_) + "), from " + why +
                             "; the file is not tokenized");
    }

    std::string file_;
    int64_t events_ = 0, per_event_ = 0, floor_ = 0, limit_ = 0, used_ = 0;
};

}  // namespace detail

}  // namespace cadenza::music
