// cadenza/music/score_element.hpp: what music21's stream holds after import
// (a note, a chord, a rest, or percussion), and the options of the import.
// score.hpp builds these from a MidiFile; paper_tokens.hpp spells them.
#pragma once

#include <cstdint>
#include <vector>

namespace cadenza::music {

// What music21's stream holds after import: a note, a chord, a rest, or
// something on the drum channel (percussion: no token).
struct ScoreElement {
    enum class Kind { note, chord, rest, percussion };
    Kind kind = Kind::note;
    std::vector<int> pitches;  // MIDI keys, in gathering order (empty for rests)
    int64_t offset = 0;        // units of 1/48 quarter from the start (quantize.hpp)
    int64_t duration = 0;      // units; 0 for a grace note
    int track = 0;
    bool tie_continuation = false;  // piece after a barline of a split note
    bool grace() const { return duration == 0 && kind != Kind::rest; }
};

// music21's order of a flattened stream: by offset, grace notes first.
struct ScoreOrder {
    bool operator()(const ScoreElement& x, const ScoreElement& y) const {
        if (x.offset != y.offset) return x.offset < y.offset;
        return x.grace() && !y.grace();
    }
};

// Which tracks the tokens come from.
enum class PartSelection {
    first_instrument,  // the paper: music21's partitionByInstrument, then parts[0]
    all_tracks,        // every track with notes merged into one stream
    first_track,       // only the first track with notes
};

struct ScoreOptions {
    bool include_rests = false;  // the paper's variant with rest tokens
    bool merge_tracks = true;    // false: the older spelling of parts = first_track
    std::vector<int> quarter_length_divisors = {4, 3};  // music21's default grid
    PartSelection parts = PartSelection::first_instrument;
    // The bound on work per song: a stretch in which nothing starts keeps at
    // most this many whole bars (measures.hpp, docs/music-encoding.md).
    int64_t max_quiet_bars = 64;
    // The bound on a score's size (score_budget.hpp): at most this many
    // elements (a chord once per pitch, every rest, every empty bar) per note
    // and meta event of the file, and at least min_element_budget; beyond
    // it score_elements throws ScoreSizeError. Real songs make at most 2.
    int64_t max_elements_per_event = 16;
    int64_t min_element_budget = 16384;
};

}  // namespace cadenza::music
