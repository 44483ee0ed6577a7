// cadenza/music/instruments.hpp: music21's Instrument objects and its
// partitionByInstrument, which decide which notes the paper's code reads
// (its parts[0]).
//
//   auto kept = detail::track_instruments(file, track);       // after deduplicate
//   auto part = first_instrument_part(file, tracks, {4, 3});   // parts[0]'s spans
//
// Program changes and track/instrument names become instruments; each lasts
// until the next of its track (the last to the end); parts are keyed by
// instrumentName (none: ""), in order of first appearance, track by track;
// parts[0] takes what starts inside the spans of its key. An instrument of
// zero length (another at the same offset follows) takes only zero-length
// elements at its offset. Without any instrument the parts are the tracks
// themselves.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cadenza/midi/midi_types.hpp"
#include "cadenza/music/music21_instrument_table.hpp"
#include "cadenza/music/quantize.hpp"

namespace cadenza::music {

namespace detail {

// Python's str.isspace for ASCII.
inline bool python_space(unsigned char c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}

inline bool valid_utf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else return false;
        if (i + extra >= s.size()) return false;
        for (size_t k = 1; k <= extra; ++k) {
            const unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += extra + 1;
    }
    return true;
}

// Does music21's instrument.fromString find an instrument in this name? It
// lowers the name, turns '.' into spaces, drops ASCII punctuation, and looks
// every run of consecutive words up in its tables. (Lowering here is ASCII
// only: a capital non-ASCII letter does not match its lower-case key.)
inline bool music21_names_instrument(const std::string& name) {
    std::string clean;
    for (char ch : name) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c == '.') clean += ' ';
        else if (c < 0x80 && std::ispunct(c)) continue;
        else clean += char(c < 0x80 ? std::tolower(c) : c);
    }
    std::vector<std::string> words;
    std::string word;
    for (char ch : clean) {
        if (python_space(static_cast<unsigned char>(ch))) {
            if (!word.empty()) words.push_back(word);
            word.clear();
        } else {
            word += ch;
        }
    }
    if (!word.empty()) words.push_back(word);
    const auto& keys = music21_instrument_keys();
    for (size_t size = 1; size <= words.size(); ++size)
        for (size_t i = 0; i + size <= words.size(); ++i) {
            std::string phrase = words[i];
            for (size_t k = i + 1; k < i + size; ++k) phrase += " " + words[k];
            if (std::binary_search(keys.begin(), keys.end(), phrase)) return true;
        }
    return false;
}

// An Instrument object as music21's midiEventToInstrument makes it: the name
// partitionByInstrument groups by (instrumentName; none for a generic
// Instrument), and the partName a track name gives it.
struct M21Instrument {
    int64_t tick = 0;
    bool has_name = false;
    std::string name;
    bool has_part_name = false;
    std::string part_name;
    bool is_generic = true;  // of class Instrument itself (fromString found nothing)
};

inline M21Instrument music21_instrument(const midi::InstrumentEvent& event) {
    M21Instrument inst;
    inst.tick = event.tick;
    if (event.kind == midi::InstrumentEvent::Kind::program_change) {
        inst.has_name = true;
        inst.name =
            event.channel == kDrumChannel ? "Percussion" : music21_program_name(event.program);
        inst.is_generic = false;
        return inst;
    }
    if (!valid_utf8(event.text)) return inst;  // UnicodeDecodeError: a generic Instrument
    std::string decoded = event.text.substr(0, event.text.find('\0'));
    size_t b = 0, e = decoded.size();
    while (b < e && python_space(static_cast<unsigned char>(decoded[b]))) ++b;
    while (e > b && python_space(static_cast<unsigned char>(decoded[e - 1]))) --e;
    decoded = decoded.substr(b, e - b);
    if (!decoded.empty() && music21_names_instrument(decoded)) {
        inst.has_name = true;  // fromString names the instrument after the whole string
        inst.name = decoded;
        inst.is_generic = false;
    }
    if (decoded.empty()) return inst;
    std::string lower = decoded;
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    auto digits_after_removing = [&](const std::string& word) {
        std::string rest;
        for (size_t pos = 0; pos < lower.size();) {
            if (lower.compare(pos, word.size(), word) == 0) {
                pos += word.size();
            } else {
                rest += lower[pos++];
            }
        }
        return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        });
    };
    if (lower == "instrument" || lower == "inst" || digits_after_removing("instrument ") ||
        digits_after_removing("inst "))
        return inst;  // "lousy" names are not kept
    if (event.kind == midi::InstrumentEvent::Kind::track_name) {
        inst.has_part_name = true;
        inst.part_name = decoded;
    } else {
        inst.has_name = true;
        inst.name = decoded;
    }
    return inst;
}

// The instruments of one track after music21's instrument.deduplicate. It
// means to compare the instruments at each offset, but the OffsetTree it
// builds holds the whole stream as one payload, so it compares all the
// instruments of the track at once: when they agree on at most one part name
// and at most one instrument name, either all are of one class (all generic,
// or all specific: then only the earliest stays) or generic ones are dropped;
// survivors take the shared names. Otherwise all stay. In tick order.
inline std::vector<M21Instrument> track_instruments(const midi::MidiFile& file, int track) {
    std::vector<M21Instrument> all;
    for (const auto& event : file.instrument_events)
        if (event.track == track) all.push_back(music21_instrument(event));
    std::stable_sort(all.begin(), all.end(), [](const M21Instrument& a, const M21Instrument& b) {
        return a.tick < b.tick;
    });
    if (all.size() < 2) return all;
    std::vector<std::string> names, part_names;  // at most one of each below
    size_t generic_count = 0;
    for (const auto& inst : all) {
        if (inst.has_name && std::find(names.begin(), names.end(), inst.name) == names.end())
            names.push_back(inst.name);
        if (inst.has_part_name &&
            std::find(part_names.begin(), part_names.end(), inst.part_name) == part_names.end())
            part_names.push_back(inst.part_name);
        if (names.size() > 1 || part_names.size() > 1) return all;  // they disagree: all stay
        // A name fromString does not know gives a generic Instrument; an
        // instrument-name meta keeps its text as instrumentName all the same.
        generic_count += inst.is_generic;
    }
    std::vector<M21Instrument> out;
    if (generic_count == 0 || generic_count == all.size()) {
        out.push_back(all.front());
    } else {
        for (const auto& inst : all)
            if (!inst.is_generic) out.push_back(inst);
    }
    for (auto& inst : out) {
        inst.has_name = !names.empty();
        inst.name = names.empty() ? "" : names[0];
        inst.has_part_name = !part_names.empty();
        inst.part_name = part_names.empty() ? "" : part_names[0];
    }
    return out;
}

}  // namespace detail

// The time spans of one track that belong to parts[0].
struct PartSpan {
    int64_t start = 0, end = 0;  // units; start == end: a zero-length instrument
    bool contains(int64_t offset, int64_t duration) const {
        return start == end ? (duration == 0 && offset == start)
                            : (offset >= start && offset < end);
    }
};

// parts[0] of partitionByInstrument over `tracks` (the tracks with notes, in
// order): per track, the spans whose instrument has the first key met.
// Empty when no track has an instrument (then the parts are the tracks).
inline std::optional<std::vector<std::vector<PartSpan>>> first_instrument_part(
    const midi::MidiFile& file, const std::vector<int>& tracks, const std::vector<int>& divisors) {
    const double tpq = ticks_per_quarter(file);
    struct Keyed {
        PartSpan span;
        std::string key;
    };
    std::vector<std::vector<Keyed>> all(tracks.size());
    bool found = false;
    std::string first_key;
    for (size_t t = 0; t < tracks.size(); ++t) {
        std::vector<std::pair<int64_t, std::string>> placed;
        for (const auto& inst : detail::track_instruments(file, tracks[t]))
            placed.push_back({detail::quantized_offset(inst.tick, tpq, divisors),
                              inst.has_name ? inst.name : ""});
        std::stable_sort(placed.begin(), placed.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (size_t k = 0; k < placed.size(); ++k) {
            const int64_t end =
                k + 1 < placed.size() ? placed[k + 1].first : std::numeric_limits<int64_t>::max();
            all[t].push_back({{placed[k].first, end}, placed[k].second});
            if (!found) first_key = placed[k].second;
            found = true;
        }
    }
    if (!found) return std::nullopt;
    std::vector<std::vector<PartSpan>> spans(tracks.size());
    for (size_t t = 0; t < tracks.size(); ++t)
        for (const auto& keyed : all[t])
            if (keyed.key == first_key) spans[t].push_back(keyed.span);
    return spans;
}

// One track's spans of parts[0], asked whether they hold an element in
// O(log spans): the spans of a track follow one another (each ends where the
// next instrument starts), so the ones with length are disjoint and in order,
// and a zero-length one only holds a grace note on its point.
class PartSpans {
public:
    explicit PartSpans(const std::vector<PartSpan>& spans) {
        for (const auto& s : spans) (s.start == s.end ? points_ : long_).push_back(s);
    }
    bool contain(int64_t offset, int64_t duration) const {
        if (duration == 0 &&
            std::binary_search(points_.begin(), points_.end(), PartSpan{offset, offset}, by_start))
            return true;
        auto after = std::upper_bound(long_.begin(), long_.end(), PartSpan{offset, offset}, by_start);
        return after != long_.begin() && std::prev(after)->contains(offset, duration);
    }

private:
    static bool by_start(const PartSpan& a, const PartSpan& b) { return a.start < b.start; }
    std::vector<PartSpan> points_, long_;  // each in order of start
};

}  // namespace cadenza::music
