// examples/cadenza-music/lib/report/svg_plot.hpp: a tiny SVG writer for the report's figures (the
// paper's figures 5-14): line charts with several series and a legend, bar
// charts, overlaid histograms and piano-roll images. Each function returns a
// complete, standalone <svg> document as a string; no dependencies.
//
//   svg::LineChart c{"Accuracy per epoch", "epoch", "accuracy"};
//   c.series.push_back({"training", {1, 2, 3}, {0.1, 0.3, 0.4}});
//   std::string doc = svg::line_chart(c);
//   std::string bars = svg::bar_chart({"Top tokens", "token", "count", {"C4", "E4"}, {10, 7}});
//   std::string roll = svg::piano_roll_image(piano_roll(notes, 480), "Piano roll");
//
// Axis ticks are "nice" numbers (1, 2 or 5 times a power of ten) so they read
// at a glance; text is XML-escaped; colours come from a colour-blind-safe
// palette (Okabe & Ito).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis.hpp"

namespace cadenza::app::svg {

struct Series {
    std::string name;
    std::vector<double> x, y;  // same length; a non-finite y leaves a gap
};

struct LineChart {
    std::string title, x_label, y_label;
    std::vector<Series> series;
    int width = 720, height = 400;
    bool integer_x = false;  // x counts something (epochs): ticks only at whole numbers
};

struct BarChart {
    std::string title, x_label, y_label;
    std::vector<std::string> labels;  // one per bar
    std::vector<double> values;
    int width = 720, height = 400;
};

// Histograms sharing bins, drawn as translucent bars one over another, so
// where the distributions agree the colours mix.
struct OverlaidHistogram {
    std::string title, x_label, y_label;
    std::vector<std::string> bin_labels;  // one per bin
    std::vector<Series> series;           // series[i].y has one value per bin (x unused)
    int width = 720, height = 400;
    size_t label_every = 1;  // print every n-th bin label (dense bins)
};

// Ticks at 1, 2 or 5 times a power of ten covering [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

std::string line_chart(const LineChart& c);
std::string bar_chart(const BarChart& c);
std::string overlaid_histogram(const OverlaidHistogram& c);

// A piano roll as an image: time left to right, pitch bottom to top, one
// rectangle per run of sounding steps; the pitch axis spans the notes used
// (at least an octave) and is labelled at every C. Long pieces are cut at
// `max_steps` so the image stays small.
std::string piano_roll_image(const PianoRoll& roll, const std::string& title, int width = 900,
                             int height = 360, int64_t max_steps = 16 * 4 * 32);

}  // namespace cadenza::app::svg
