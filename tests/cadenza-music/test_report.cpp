// Tests for the report's parts (examples/cadenza-music/lib/report): svg_plot
// (well-formed documents with their labels and series), metrics (known answers
// on hand-made notes, copy detection against a brute-force search, repeated
// runs), musicxml (every measure adds up, ties across bar lines, chords) and
// analysis (piano roll, histogram, frequencies).
#include "report/analysis.hpp"
#include "report/metrics.hpp"
#include "report/musicxml.hpp"
#include "report/svg_plot.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace cadenza::app;
using cadenza::midi::Note;
using Catch::Matchers::Contains;

namespace {

Note note(int pitch, int64_t start, int64_t end) {
    Note n;
    n.pitch = pitch;
    n.start_tick = start;
    n.end_tick = end;
    return n;
}

size_t count_of(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size()))
        ++n;
    return n;
}

// Tags open and close in order (no attributes parsed): enough to catch a
// missing or misplaced closing tag. Returns "" when balanced, else the problem.
std::string tag_balance(const std::string& xml) {
    std::vector<std::string> open;
    for (size_t p = xml.find('<'); p != std::string::npos; p = xml.find('<', p + 1)) {
        if (xml.compare(p, 2, "<?") == 0 || xml.compare(p, 2, "<!") == 0) continue;
        const size_t close = xml.find('>', p);
        if (close == std::string::npos) return "unterminated tag";
        std::string tag = xml.substr(p + 1, close - p - 1);
        if (!tag.empty() && tag.back() == '/') continue;  // self-closing
        if (tag[0] == '/') {
            const std::string name = tag.substr(1);
            if (open.empty() || open.back() != name)
                return "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
            open.pop_back();
        } else {
            open.push_back(tag.substr(0, tag.find_first_of(" \t\n")));
        }
    }
    return open.empty() ? "" : "<" + open.back() + "> is never closed";
}

// The <duration> sums of each measure, chord members (which do not advance
// time) left out.
// The written durations of each staff of each measure (a <backup> starts the
// next staff's timeline), chord members not counted again: measure 1 staff 1,
// measure 1 staff 2, measure 2 staff 1, ...
std::vector<int> measure_sums(const std::string& xml) {
    std::vector<int> sums;
    for (size_t m = xml.find("<measure "); m != std::string::npos;
         m = xml.find("<measure ", m + 1)) {
        const size_t end = xml.find("</measure>", m);
        const std::string measure = xml.substr(m, end - m);
        size_t from = 0;
        while (true) {
            const size_t backup = measure.find("<backup>", from);
            const std::string body = measure.substr(from, backup == std::string::npos ? std::string::npos : backup - from);
            int sum = 0;
            for (size_t n = body.find("<note>"); n != std::string::npos; n = body.find("<note>", n + 1)) {
                const std::string one = body.substr(n, body.find("</note>", n) - n);
                if (one.find("<chord/>") != std::string::npos) continue;
                const size_t d = one.find("<duration>");
                sum += std::stoi(one.substr(d + 10));
            }
            sums.push_back(sum);
            if (backup == std::string::npos) break;
            from = measure.find("</backup>", backup) + 9;
        }
    }
    return sums;
}

MusicXmlOptions one_staff() {
    MusicXmlOptions o;
    o.grand_staff = false;
    o.key_signature = false;
    return o;
}

}  // namespace

TEST_CASE("svg: a line chart is well formed, titled, labelled and has one group per series",
          "[report][svg]") {
    svg::LineChart c{"Accuracy <per> epoch", "epoch", "accuracy", {}};
    c.series.push_back({"training", {1, 2, 3}, {0.1, 0.3, 0.4}});
    c.series.push_back({"validation", {1, 2, 3}, {0.05, 0.2, 0.25}});
    const std::string doc = svg::line_chart(c);
    REQUIRE(doc.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    REQUIRE(doc.substr(doc.size() - 7) == "</svg>\n");
    REQUIRE(tag_balance(doc).empty());
    CHECK_THAT(doc, Contains("Accuracy &lt;per&gt; epoch"));
    CHECK_THAT(doc, Contains(">epoch</text>"));
    CHECK_THAT(doc, Contains(">accuracy</text>"));
    CHECK(count_of(doc, "class=\"series\"") == 2);
    CHECK_THAT(doc, Contains(">training</text>"));
    CHECK_THAT(doc, Contains(">validation</text>"));
    CHECK(count_of(doc, "<circle") == 6);  // one dot per data point
}

TEST_CASE("svg: nice ticks are 1, 2 or 5 times a power of ten and cover the range",
          "[report][svg]") {
    auto t = svg::nice_ticks(0, 1);
    REQUIRE(t.size() >= 3);
    CHECK(t.front() == Approx(0));
    CHECK(t.back() == Approx(1));
    CHECK(t[1] - t[0] == Approx(0.2));
    auto u = svg::nice_ticks(3, 97);
    CHECK(u[1] - u[0] == Approx(20));
}

TEST_CASE("svg: bar chart, overlaid histogram and piano roll carry their content",
          "[report][svg]") {
    const std::string bars =
        svg::bar_chart({"Top tokens", "token", "count", {"C4", "E4", "G4"}, {10, 7, 3}});
    REQUIRE(tag_balance(bars).empty());
    CHECK(count_of(bars, "<rect x=") == 3);
    CHECK_THAT(bars, Contains(">E4</text>"));
    CHECK_THAT(bars, Contains("<title>G4: 3</title>"));

    svg::OverlaidHistogram h{"Pitch classes", "pitch class", "share", {"C", "D", "E"}, {}};
    h.series.push_back({"training", {}, {0.5, 0.5, 0}});
    h.series.push_back({"generated", {}, {0.2, 0.3, 0.5}});
    const std::string hist = svg::overlaid_histogram(h);
    REQUIRE(tag_balance(hist).empty());
    CHECK(count_of(hist, "class=\"series\"") == 2);
    CHECK(count_of(hist, "fill-opacity=\"0.5\"><title>") == 5);  // the zero bin draws nothing

    // Two notes: C4 for a quarter, then E4 held for two quarters; 16 steps per quarter.
    const PianoRoll roll = piano_roll({note(60, 0, 480), note(64, 480, 1440)}, 480);
    const std::string img = svg::piano_roll_image(roll, "Piano roll");
    REQUIRE(tag_balance(img).empty());
    const size_t notes_at = img.find("<g class=\"notes\"");
    REQUIRE(notes_at != std::string::npos);
    CHECK(count_of(img.substr(notes_at), "<rect") == 2);  // one rectangle per held note
    CHECK_THAT(img, Contains(">C4</text>"));
    CHECK_THAT(img, Contains(">pitch</text>"));
}

TEST_CASE("metrics: the six features of a hand-made piece", "[report][metrics]") {
    // C4 quarter, E4 eighth, then G4 + C5 together for a half note (480 ticks per quarter).
    const std::vector<Note> notes = {note(64, 480, 720), note(60, 0, 480), note(67, 960, 1920),
                                     note(72, 960, 1920)};
    const PieceFeatures f = piece_features(notes, 480);
    CHECK(f.notes == 4);
    CHECK(f.pitch_count == 4);
    CHECK(f.pitch_range == 12);
    CHECK(f.pitch_interval == Approx((4 + 3 + 5) / 3.0));  // 60 -> 64 -> 67 -> 72
    CHECK(f.inter_onset == Approx(1.0));                   // onsets 0, 1, 2 quarters
    CHECK(f.pitch_class_hist[0] == Approx(0.5));           // C4 and C5
    CHECK(f.pitch_class_hist[4] == Approx(0.25));
    CHECK(f.pitch_class_hist[7] == Approx(0.25));
    CHECK(f.note_length_hist[2] == Approx(0.25));  // quarter
    CHECK(f.note_length_hist[3] == Approx(0.25));  // 8th
    CHECK(f.note_length_hist[1] == Approx(0.5));   // half
    CHECK(note_length_class(1.0 / 3) == 11);       // 8th triplet
    CHECK(note_length_class(1.5) == 6);            // dotted quarter
    CHECK(piece_features({}, 480).notes == 0);
}

TEST_CASE("metrics: overlapped area and KL divergence", "[report][metrics]") {
    auto same = compare_histograms("h", {1, 2, 1}, {2, 4, 2});
    CHECK(same.overlapped_area == Approx(1.0));
    CHECK(same.kl_divergence == Approx(0.0).margin(1e-12));
    auto disjoint = compare_histograms("h", {1, 0}, {0, 1});
    CHECK(disjoint.overlapped_area == Approx(0.0));
    CHECK(disjoint.kl_divergence == Approx(std::log(1e6)));
    auto half = compare_histograms("h", {1, 1}, {1, 0});
    CHECK(half.overlapped_area == Approx(0.5));

    auto near = compare_scalar("s", {10, 11, 12, 13}, {10, 11, 12, 13});
    CHECK(near.overlapped_area == Approx(1.0).margin(1e-4));
    CHECK(near.kl_divergence == Approx(0.0).margin(1e-6));
    CHECK(near.training_mean == Approx(11.5));
    auto far = compare_scalar("s", {10, 11, 12, 13}, {100, 101, 102});
    CHECK(far.overlapped_area < 1e-6);
    CHECK(far.kl_divergence > 10);
    auto some = compare_scalar("s", {10, 11, 12, 13}, {12, 13, 14, 15});
    CHECK(some.overlapped_area > 0.2);
    CHECK(some.overlapped_area < 0.9);

    std::vector<PieceFeatures> a = {piece_features({note(60, 0, 480), note(62, 480, 960)}, 480)};
    auto rows = compare_sets(a, a);
    REQUIRE(rows.size() == 6);
    CHECK(rows[0].feature == "pitch count");
    for (const auto& r : rows) CHECK(r.overlapped_area == Approx(1.0).margin(1e-4));
}

TEST_CASE("metrics: the longest passage copied from the training songs", "[report][metrics]") {
    const std::vector<int> piece = {9, 1, 2, 3, 4, 8};
    const std::vector<std::vector<int>> songs = {{5, 1, 2, 7}, {0, 0, 2, 3, 4, 8, 1}};
    CopiedPassage c = longest_copied_passage(piece, songs);
    CHECK(c.length == 4);  // 2 3 4 8
    CHECK(c.piece_offset == 2);
    CHECK(c.song == 1);
    CHECK(c.song_offset == 2);
    CHECK(longest_copied_passage(piece, {{42, 43}}).length == 0);
    CHECK(longest_copied_passage({}, songs).length == 0);

    // Against a brute-force search on random streams over a small alphabet.
    std::mt19937 rng(5);
    for (int trial = 0; trial < 50; ++trial) {
        std::vector<int> p(size_t(rng() % 40 + 1));
        for (int& x : p) x = int(rng() % 3);
        std::vector<std::vector<int>> s(3);
        for (auto& song : s) {
            song.resize(size_t(rng() % 30));
            for (int& x : song) x = int(rng() % 3);
        }
        size_t best = 0;
        for (const auto& song : s)
            for (size_t i = 0; i < p.size(); ++i)
                for (size_t j = 0; j < song.size(); ++j) {
                    size_t k = 0;
                    while (i + k < p.size() && j + k < song.size() && p[i + k] == song[j + k]) ++k;
                    best = std::max(best, k);
                }
        CopiedPassage got = longest_copied_passage(p, s);
        REQUIRE(got.length == best);
        if (best > 0) {  // and where it says it is, it is
            const auto& song = s[got.song];
            for (size_t k = 0; k < best; ++k)
                REQUIRE(p[got.piece_offset + k] == song[got.song_offset + k]);
        }
    }
}

TEST_CASE("metrics: the longest run of one repeated token", "[report][metrics]") {
    RepeatedRun r = longest_repeated_run({1, 2, 2, 2, 3, 3});
    CHECK(r.length == 3);
    CHECK(r.token == 2);
    CHECK(r.offset == 1);
    CHECK(longest_repeated_run({7, 7, 7, 7}).length == 4);
    CHECK(longest_repeated_run({}).length == 0);
    CHECK(longest_repeated_run({1, 2, 1}).length == 1);
}

TEST_CASE("musicxml: every measure adds up, across bar lines and with chords",
          "[report][musicxml]") {
    // 4/4, 16 divisions per measure: a C4 quarter, an E-G-C chord on beat 2 for
    // a quarter, a rest, then D4 from beat 4 held for 2 quarters across the bar.
    std::vector<Note> notes = {note(60, 0, 480), note(64, 480, 960), note(67, 480, 960),
                               note(72, 480, 960), note(62, 1440, 2400)};
    const std::string xml = musicxml(notes, 480, one_staff());
    REQUIRE(tag_balance(xml).empty());
    const auto sums = measure_sums(xml);
    REQUIRE(sums.size() == 2);
    for (int s : sums) CHECK(s == 16);
    CHECK(count_of(xml, "<chord/>") == 2);               // the triad: two notes join the first
    CHECK(count_of(xml, "<tie type=\"start\"/>") == 1);  // D4 tied over the bar line
    CHECK(count_of(xml, "<tied type=\"stop\"/>") == 1);
    CHECK(xml.find("<tie type=\"start\"/>") < xml.find("<measure number=\"2\">"));
    CHECK(xml.find("<tie type=\"stop\"/>") > xml.find("<measure number=\"2\">"));
    CHECK_THAT(xml, Contains("<divisions>4</divisions>"));
    CHECK_THAT(xml, Contains("<step>D</step><octave>4</octave>"));
    CHECK_THAT(xml, Contains("<rest/>"));
}

TEST_CASE("musicxml: odd lengths become tied written values; other meters add up too",
          "[report][musicxml]") {
    // 5 sixteenths: a quarter tied to a 16th.
    const std::string five = musicxml({note(61, 0, 600)}, 480, one_staff());
    CHECK(count_of(five, "<tie type=\"start\"/>") == 1);
    CHECK_THAT(five, Contains("<alter>1</alter>"));  // C#
    for (int s : measure_sums(five)) CHECK(s == 16);

    MusicXmlOptions three = one_staff();
    three.beats = 3;
    three.divisions = 8;
    // Overlapping notes (the paper's decoding: a quarter every eighth) over 7 bars.
    std::vector<Note> notes;
    for (int k = 0; k < 40; ++k)
        notes.push_back(note(55 + k % 12, int64_t(k) * 240, int64_t(k) * 240 + 480));
    notes.push_back(note(40, 100, 1000));  // off the grid
    const std::string xml = musicxml(notes, 480, three);
    REQUIRE(tag_balance(xml).empty());
    const auto sums = measure_sums(xml);
    REQUIRE(sums.size() >= 7);
    for (int s : sums) CHECK(s == 24);
    CHECK_THAT(xml, Contains("<beats>3</beats>"));

    CHECK(measure_sums(musicxml({}, 480, one_staff())) ==
          std::vector<int>{16});  // an empty piece: one measure of rest
    CHECK(measure_sums(musicxml({}, 480)) == std::vector<int>{16, 16});  // on both staves
    MusicXmlOptions bad;
    bad.divisions = 3;
    CHECK_THROWS_WITH(musicxml(notes, 480, bad), Contains("divisions must be 1, 2, 4 or 8"));
}

TEST_CASE("musicxml: a piano piece on a grand staff, in its key", "[report][musicxml]") {
    // D minor: D F A, C# (the leading tone) and B-flat, over a bass line.
    std::vector<Note> notes;
    const int melody[] = {62, 65, 69, 70, 69, 67, 65, 64, 62, 61, 62, 74};
    for (int k = 0; k < 12; ++k) notes.push_back(note(melody[k], int64_t(k) * 480, int64_t(k) * 480 + 480));
    const int bass[] = {38, 45, 38, 46, 45, 38};
    for (int k = 0; k < 6; ++k) notes.push_back(note(bass[k], int64_t(k) * 960, int64_t(k) * 960 + 960));
    const std::string xml = musicxml(notes, 480);
    REQUIRE(tag_balance(xml).empty());
    CHECK_THAT(xml, Contains("<staves>2</staves>"));
    CHECK_THAT(xml, Contains("<clef number=\"1\"><sign>G</sign><line>2</line></clef>"));
    CHECK_THAT(xml, Contains("<clef number=\"2\"><sign>F</sign><line>4</line></clef>"));
    CHECK_THAT(xml, Contains("<key><fifths>-1</fifths><mode>minor</mode></key>"));
    CHECK_THAT(xml, Contains("<step>B</step><alter>-1</alter><octave>4</octave>"));  // B-flat, not A#
    CHECK_THAT(xml, Contains("<step>C</step><alter>1</alter><octave>4</octave>"));   // C#, the leading tone
    // Notes from middle C up on staff 1, below it on staff 2; every staff of
    // every measure adds up to 4/4.
    CHECK(count_of(xml, "<staff>1</staff>") >= 12);
    CHECK(count_of(xml, "<staff>2</staff>") >= 6);
    CHECK(xml.find("<octave>2</octave></pitch><duration>") != std::string::npos);
    const auto sums = measure_sums(xml);
    REQUIRE(sums.size() == 6);  // 3 measures, 2 staves each
    for (int s : sums) CHECK(s == 16);
    for (size_t p = xml.find("<octave>2</octave>"); p != std::string::npos; p = xml.find("<octave>2</octave>", p + 1))
        CHECK(xml.find("<staff>2</staff>", p) < xml.find("</note>", p));  // bass notes are on staff 2
}

TEST_CASE("analysis: piano roll, histogram, frequencies", "[report]") {
    std::vector<Note> notes = {note(60, 0, 480), note(64, 240, 480), note(60, 480, 480)};
    const auto roll = piano_roll(notes, 480);
    CHECK(roll.steps == 17);
    CHECK(roll.at(60, 0));
    CHECK(roll.at(60, 15));
    CHECK(roll.at(60, 16));  // the zero-length note still shows
    CHECK_FALSE(roll.at(64, 7));
    CHECK(roll.at(64, 8));
    const auto hist = pitch_histogram(notes);
    CHECK(hist[60] == 2);
    CHECK(hist[64] == 1);
    CHECK(unique_pitch_count(notes) == 2);
    const auto top = token_frequencies({"C4", "E4", "C4", "0.4.7", "E4", "C4"}, 2);
    REQUIRE(top.size() == 2);
    CHECK(top[0] == std::make_pair(std::string("C4"), int64_t(3)));
    CHECK(top[1] == std::make_pair(std::string("E4"), int64_t(2)));
}
