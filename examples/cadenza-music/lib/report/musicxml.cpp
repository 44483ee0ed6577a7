// examples/cadenza-music/lib/report/musicxml.cpp: see musicxml.hpp.
#include "musicxml.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "cadenza/error.hpp"
#include "cadenza/music/key.hpp"
#include "xml_text.hpp"

namespace cadenza::app {

namespace {

struct Value {
    int duration;  // in divisions
    const char* type;
    int dots;
};

// Every single written value (plain or dotted) on the grid, longest first.
std::vector<Value> written_values(int divisions) {
    static const std::pair<double, const char*> base[] = {{4, "whole"},   {2, "half"},
                                                          {1, "quarter"}, {0.5, "eighth"},
                                                          {0.25, "16th"}, {0.125, "32nd"}};
    std::vector<Value> v;
    for (const auto& [quarters, type] : base) {
        const double d = quarters * divisions;
        if (d >= 1 && std::fabs(d - std::round(d)) < 1e-9)
            v.push_back({int(std::lround(d)), type, 0});
        const double dotted = d * 1.5;
        if (dotted >= 1 && std::fabs(dotted - std::round(dotted)) < 1e-9 && d >= 1)
            v.push_back({int(std::lround(dotted)), type, 1});
    }
    std::sort(v.begin(), v.end(),
              [](const Value& a, const Value& b) { return a.duration > b.duration; });
    return v;
}

struct Item {
    int duration = 0;
    Value value{};
    std::vector<int> pitches;  // empty: a rest
    bool tie_start = false, tie_stop = false;
};

void pitch_xml(std::ostringstream& s, int pitch, const music::Key& key) {
    const music::Spelling sp = music::spell(pitch, key);
    s << "<pitch><step>" << sp.step << "</step>";
    if (sp.alter) s << "<alter>" << sp.alter << "</alter>";
    s << "<octave>" << sp.octave << "</octave></pitch>";
}

void check_options(const MusicXmlOptions& o, int ticks_per_quarter) {
    if (o.divisions != 1 && o.divisions != 2 && o.divisions != 4 && o.divisions != 8)
        throw Error("MusicXML divisions must be 1, 2, 4 or 8 per quarter note, not " +
                    std::to_string(o.divisions));
    if (o.beats < 1 || o.beats > 64 ||
        (o.beat_type != 1 && o.beat_type != 2 && o.beat_type != 4 && o.beat_type != 8 &&
         o.beat_type != 16))
        throw Error("MusicXML time signature " + std::to_string(o.beats) + "/" +
                    std::to_string(o.beat_type) + " is not one of 1..64 over 1, 2, 4, 8 or 16");
    if (ticks_per_quarter <= 0) throw Error("MusicXML: ticks per quarter note must be positive");
    if ((int64_t(o.beats) * 4 * o.divisions) % o.beat_type != 0)
        throw Error("MusicXML: a measure of " + std::to_string(o.beats) + "/" +
                    std::to_string(o.beat_type) +
                    " is not a whole number of divisions; use more divisions");
}

// The measures of the score: onsets on the grid, each a chord sounding
// until its longest note ends or the next onset comes; gaps are rests; a
// value crossing a bar line or not writable as one value is split and tied.
struct Layout {
    std::vector<std::vector<Item>> measures;
    bool bass_clef = false;  // the median pitch is below middle C
};

Layout lay_out(const std::vector<midi::Note>& notes, int ticks_per_quarter,
               const MusicXmlOptions& o, size_t min_measures = 1) {
    const int64_t D = o.divisions;
    const int64_t measure = int64_t(o.beats) * 4 * D / o.beat_type;
    const std::vector<Value> values = written_values(o.divisions);
    auto grid = [&](int64_t tick) {
        return int64_t(std::llround(double(tick) * double(D) / ticks_per_quarter));
    };
    std::map<int64_t, std::pair<std::set<int>, int64_t>> onsets;  // start -> (pitches, end)
    std::vector<int> all_pitches;
    for (const auto& n : notes) {
        if (n.pitch < 0 || n.pitch > 127) continue;
        const int64_t start = std::max<int64_t>(0, grid(n.start_tick));
        const int64_t end = std::max(start + 1, grid(n.end_tick));
        auto& slot = onsets[start];
        slot.first.insert(n.pitch);
        slot.second = std::max(slot.second, end);
        all_pitches.push_back(n.pitch);
    }
    Layout layout;
    auto& measures = layout.measures;
    // Places [start, start + duration) as items, split at bar lines and into
    // written values; a note's pieces are tied one to the next.
    auto place = [&](int64_t start, int64_t duration, const std::vector<int>& pitches) {
        bool first = true;
        while (duration > 0) {
            const size_t m = size_t(start / measure);
            if (measures.size() <= m) measures.resize(m + 1);
            int64_t chunk = std::min(duration, int64_t(m + 1) * measure - start);
            while (chunk > 0) {
                const Value& v = *std::find_if(values.begin(), values.end(),
                                               [&](const Value& w) { return w.duration <= chunk; });
                Item it;
                it.duration = v.duration;
                it.value = v;
                it.pitches = pitches;
                it.tie_stop = !pitches.empty() && !first;
                first = false;
                chunk -= v.duration;
                duration -= v.duration;
                start += v.duration;
                it.tie_start = !pitches.empty() && duration > 0;
                measures[m].push_back(it);
            }
        }
    };
    int64_t pos = 0;
    for (auto it = onsets.begin(); it != onsets.end(); ++it) {
        const int64_t start = it->first;
        auto next = std::next(it);
        const int64_t end =
            next == onsets.end() ? it->second.second : std::min(it->second.second, next->first);
        if (start > pos) place(pos, start - pos, {});
        place(start, end - start,
              std::vector<int>(it->second.first.begin(), it->second.first.end()));
        pos = end;
    }
    const int64_t total = std::max<int64_t>(int64_t(min_measures), (pos + measure - 1) / measure) * measure;
    if (total > pos) place(pos, total - pos, {});
    if (!all_pitches.empty()) {
        std::nth_element(all_pitches.begin(), all_pitches.begin() + long(all_pitches.size() / 2),
                         all_pitches.end());
        layout.bass_clef = all_pitches[all_pitches.size() / 2] < 60;
    }
    return layout;
}

// One item: a note head per pitch (chord members after the first), or a rest.
void item_xml(std::ostringstream& s, const Item& it, const music::Key& key, int voice, int staff) {
    const size_t heads = std::max<size_t>(1, it.pitches.size());
    for (size_t k = 0; k < heads; ++k) {
        s << "      <note>";
        if (k > 0) s << "<chord/>";
        if (it.pitches.empty()) s << "<rest/>";
        else pitch_xml(s, it.pitches[k], key);
        s << "<duration>" << it.duration << "</duration>";
        if (it.tie_stop) s << "<tie type=\"stop\"/>";
        if (it.tie_start) s << "<tie type=\"start\"/>";
        s << "<voice>" << voice << "</voice><type>" << it.value.type << "</type>";
        for (int d = 0; d < it.value.dots; ++d) s << "<dot/>";
        if (staff > 0) s << "<staff>" << staff << "</staff>";
        if (it.tie_start || it.tie_stop) {
            s << "<notations>";
            if (it.tie_stop) s << "<tied type=\"stop\"/>";
            if (it.tie_start) s << "<tied type=\"start\"/>";
            s << "</notations>";
        }
        s << "</note>\n";
    }
}

music::Key key_of(const std::vector<midi::Note>& notes) {
    std::array<double, 12> weights{};
    for (const auto& n : notes)
        if (n.pitch >= 0 && n.pitch <= 127)
            weights[size_t(n.pitch % 12)] += double(std::max<int64_t>(1, n.end_tick - n.start_tick));
    return music::estimate_key(weights);
}

}  // namespace

std::string musicxml(const std::vector<midi::Note>& notes, int ticks_per_quarter,
                     const MusicXmlOptions& o) {
    check_options(o, ticks_per_quarter);
    const music::Key key = o.key_signature ? key_of(notes) : music::Key{};
    // The staves' layouts, padded to the same number of measures.
    std::vector<Layout> staves;
    if (o.grand_staff) {
        std::vector<midi::Note> upper, lower;
        for (const auto& n : notes) (n.pitch >= o.split_pitch ? upper : lower).push_back(n);
        staves = {lay_out(upper, ticks_per_quarter, o), lay_out(lower, ticks_per_quarter, o)};
        const size_t measures = std::max(staves[0].measures.size(), staves[1].measures.size());
        for (size_t k = 0; k < 2; ++k)
            if (staves[k].measures.size() < measures)
                staves[k] = lay_out(k == 0 ? upper : lower, ticks_per_quarter, o, measures);
    } else {
        staves = {lay_out(notes, ticks_per_quarter, o)};
    }
    const int64_t measure_length = int64_t(o.beats) * 4 * o.divisions / o.beat_type;
    std::ostringstream s;
    s << "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
      << "<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 3.1 Partwise//EN\" "
         "\"http://www.musicxml.org/dtds/partwise.dtd\">\n"
      << "<score-partwise version=\"3.1\">\n"
      << "  <work><work-title>" << xml_escape(o.title) << "</work-title></work>\n"
      << "  <identification><encoding><software>Cadenza</software></encoding></identification>\n"
      << "  <part-list><score-part id=\"P1\"><part-name>" << xml_escape(o.part_name)
      << "</part-name></score-part></part-list>\n"
      << "  <part id=\"P1\">\n";
    const size_t measures = staves[0].measures.size();
    for (size_t m = 0; m < measures; ++m) {
        s << "    <measure number=\"" << m + 1 << "\">\n";
        if (m == 0) {
            s << "      <attributes><divisions>" << o.divisions << "</divisions><key><fifths>" << key.fifths
              << "</fifths><mode>" << (key.minor ? "minor" : "major") << "</mode></key><time><beats>" << o.beats
              << "</beats><beat-type>" << o.beat_type << "</beat-type></time>";
            if (o.grand_staff) {
                s << "<staves>2</staves><clef number=\"1\"><sign>G</sign><line>2</line></clef>"
                  << "<clef number=\"2\"><sign>F</sign><line>4</line></clef>";
            } else {
                const bool bass = staves[0].bass_clef;
                s << "<clef><sign>" << (bass ? "F" : "G") << "</sign><line>" << (bass ? 4 : 2) << "</line></clef>";
            }
            s << "</attributes>\n"
              << "      <direction "
                 "placement=\"above\"><direction-type><metronome><beat-unit>quarter</beat-unit>"
              << "<per-minute>" << std::lround(o.tempo_bpm)
              << "</per-minute></metronome></direction-type><sound tempo=\""
              << std::lround(o.tempo_bpm) << "\"/></direction>\n";
        }
        for (size_t k = 0; k < staves.size(); ++k) {
            if (k > 0) s << "      <backup><duration>" << measure_length << "</duration></backup>\n";
            for (const Item& it : staves[k].measures[m])
                item_xml(s, it, key, int(k) + 1, o.grand_staff ? int(k) + 1 : 0);
        }
        if (m + 1 == measures)
            s << "      <barline location=\"right\"><bar-style>light-heavy</bar-style></barline>\n";
        s << "    </measure>\n";
    }
    s << "  </part>\n</score-partwise>\n";
    return s.str();
}

}  // namespace cadenza::app
