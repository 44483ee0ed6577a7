// examples/cadenza-music/lib/report/svg_plot.cpp: see svg_plot.hpp.
#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "cadenza/music/pitch_names.hpp"
#include "xml_text.hpp"

namespace cadenza::app::svg {

namespace {

const char* palette(size_t i) {
    static const char* colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000"};
    return colours[i % 7];
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!(hi > lo)) hi = lo + 1;
    const double raw = (hi - lo) / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / mag;
    const double step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
    std::vector<double> ticks;
    for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
        ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    return ticks;
}

namespace {

std::string format_number(double v) {
    char buf[32];
    if (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-3))
        std::snprintf(buf, sizeof buf, "%.2g", v);
    else std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

// The plotting area inside the margins, and the maps from data to pixels.
struct Frame {
    double left = 70, top = 40, right = 20, bottom = 60;
    int width = 720, height = 400;
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    double px(double x) const { return left + (x - x0) / (x1 - x0) * (width - left - right); }
    double py(double y) const {
        return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom);
    }
    double plot_w() const { return width - left - right; }
    double plot_h() const { return height - top - bottom; }
};

void open(std::ostringstream& s, int width, int height, const std::string& title) {
    s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<title>" << xml_escape(title) << "</title>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text class=\"title\" x=\"" << width / 2
      << "\" y=\"22\" text-anchor=\"middle\" font-size=\"16\" "
      << "font-weight=\"bold\">" << xml_escape(title) << "</text>\n";
}

void axis_labels(std::ostringstream& s, const Frame& f, const std::string& x_label,
                 const std::string& y_label) {
    s << "<text class=\"x-label\" x=\"" << f.left + f.plot_w() / 2 << "\" y=\"" << f.height - 12
      << "\" text-anchor=\"middle\" font-size=\"13\">" << xml_escape(x_label) << "</text>\n"
      << "<text class=\"y-label\" x=\"16\" y=\"" << f.top + f.plot_h() / 2
      << "\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 16 "
      << f.top + f.plot_h() / 2 << ")\">" << xml_escape(y_label) << "</text>\n";
}

// Y axis with grid lines and tick labels; the x axis line.
void y_axis(std::ostringstream& s, const Frame& f) {
    for (double t : nice_ticks(f.y0, f.y1)) {
        if (t < f.y0 - 1e-12 || t > f.y1 + 1e-12) continue;
        const double y = f.py(t);
        s << "<line x1=\"" << f.left << "\" y1=\"" << y << "\" x2=\"" << f.width - f.right
          << "\" y2=\"" << y << "\" stroke=\"#e0e0e0\"/>\n<text x=\"" << f.left - 6 << "\" y=\""
          << y + 4 << "\" text-anchor=\"end\">" << format_number(t) << "</text>\n";
    }
    s << "<line x1=\"" << f.left << "\" y1=\"" << f.top << "\" x2=\"" << f.left << "\" y2=\""
      << f.height - f.bottom << "\" stroke=\"black\"/>\n<line x1=\"" << f.left << "\" y1=\""
      << f.height - f.bottom << "\" x2=\"" << f.width - f.right << "\" y2=\"" << f.height - f.bottom
      << "\" stroke=\"black\"/>\n";
}

void numeric_x_ticks(std::ostringstream& s, const Frame& f, bool integer_only = false) {
    for (double t : nice_ticks(f.x0, f.x1, 8)) {
        if (t < f.x0 - 1e-12 || t > f.x1 + 1e-12) continue;
        if (integer_only && std::fabs(t - std::round(t)) > 1e-9) continue;
        const double x = f.px(t), y = f.height - f.bottom;
        s << "<line x1=\"" << x << "\" y1=\"" << y << "\" x2=\"" << x << "\" y2=\"" << y + 5
          << "\" stroke=\"black\"/>\n<text x=\"" << x << "\" y=\"" << y + 18
          << "\" text-anchor=\"middle\">" << format_number(t) << "</text>\n";
    }
}

void legend(std::ostringstream& s, const Frame& f, const std::vector<std::string>& names,
            bool boxes) {
    double x = f.width - f.right - 10, y = f.top + 8;
    size_t widest = 0;
    for (const auto& n : names) widest = std::max(widest, n.size());
    x -= 28 + 7.0 * double(widest);
    s << "<g class=\"legend\">\n<rect x=\"" << x - 6 << "\" y=\"" << y - 6 << "\" width=\""
      << 40 + 7.0 * double(widest) << "\" height=\"" << 18 * names.size() + 8
      << "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n";
    for (size_t i = 0; i < names.size(); ++i) {
        const double yy = y + 18 * double(i) + 6;
        if (boxes)
            s << "<rect x=\"" << x << "\" y=\"" << yy - 5 << "\" width=\"18\" height=\"10\" fill=\""
              << palette(i) << "\" fill-opacity=\"0.55\"/>\n";
        else
            s << "<line x1=\"" << x << "\" y1=\"" << yy << "\" x2=\"" << x + 18 << "\" y2=\"" << yy
              << "\" stroke=\"" << palette(i) << "\" stroke-width=\"2.5\"/>\n";
        s << "<text x=\"" << x + 24 << "\" y=\"" << yy + 4 << "\">" << xml_escape(names[i])
          << "</text>\n";
    }
    s << "</g>\n";
}

// [lo, hi] of the finite values, widened when empty or flat; `from_zero` keeps 0 in.
// A value a chart can place: finite and not absurd (a garbage file's 1e308
// would turn every pixel coordinate into NaN).
bool plottable(double v) { return std::isfinite(v) && std::fabs(v) < 1e12; }

void range_of(const std::vector<double>& v, bool from_zero, double& lo, double& hi) {
    lo = from_zero ? 0 : INFINITY;
    hi = from_zero ? 0 : -INFINITY;
    for (double x : v)
        if (plottable(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) hi = lo + (lo == 0 ? 1 : std::fabs(lo) * 0.1);
    if (!from_zero) {
        const double pad = (hi - lo) * 0.05;
        lo -= pad;
        hi += pad;
    } else {
        hi *= 1.05;
    }
}

}  // namespace

std::string line_chart(const LineChart& c) {
    Frame f;
    f.width = c.width;
    f.height = c.height;
    std::vector<double> xs, ys;
    for (const auto& s : c.series) {
        xs.insert(xs.end(), s.x.begin(), s.x.end());
        ys.insert(ys.end(), s.y.begin(), s.y.end());
    }
    range_of(xs, false, f.x0, f.x1);
    range_of(ys, false, f.y0, f.y1);
    std::ostringstream s;
    open(s, f.width, f.height, c.title);
    y_axis(s, f);
    numeric_x_ticks(s, f, c.integer_x);
    std::vector<std::string> names;
    for (size_t i = 0; i < c.series.size(); ++i) {
        const Series& ser = c.series[i];
        names.push_back(ser.name);
        s << "<g class=\"series\" data-name=\"" << xml_escape(ser.name) << "\">\n";
        std::string path;
        bool pen_down = false;
        for (size_t k = 0; k < std::min(ser.x.size(), ser.y.size()); ++k) {
            if (!plottable(ser.y[k]) || !plottable(ser.x[k])) {
                pen_down = false;
                continue;
            }
            char buf[64];
            std::snprintf(buf, sizeof buf, "%s%.2f %.2f ", pen_down ? "L" : "M", f.px(ser.x[k]),
                          f.py(ser.y[k]));
            path += buf;
            pen_down = true;
            // Dots mark the data points (one epoch each) when there are few.
            if (ser.x.size() <= 60)
                s << "<circle cx=\"" << f.px(ser.x[k]) << "\" cy=\"" << f.py(ser.y[k])
                  << "\" r=\"2.5\" fill=\"" << palette(i) << "\"/>\n";
        }
        s << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << palette(i)
          << "\" stroke-width=\"2\"/>\n</g>\n";
    }
    legend(s, f, names, false);
    axis_labels(s, f, c.x_label, c.y_label);
    s << "</svg>\n";
    return s.str();
}

// Bars with category labels; the labels turn 45 degrees when they are many.
std::string bar_chart(const BarChart& c) {
    Frame f;
    f.width = c.width;
    f.height = c.height;
    const size_t n = c.values.size();
    const bool slanted = n > 12;
    if (slanted) f.bottom = 80;
    f.x0 = 0;
    f.x1 = double(std::max<size_t>(n, 1));
    range_of(c.values, true, f.y0, f.y1);
    std::ostringstream s;
    open(s, f.width, f.height, c.title);
    y_axis(s, f);
    const double slot = f.plot_w() / f.x1;
    s << "<g class=\"bars\">\n";
    for (size_t i = 0; i < n; ++i) {
        const double x = f.px(double(i)) + slot * 0.1, y = f.py(std::max(0.0, c.values[i]));
        s << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << slot * 0.8 << "\" height=\""
          << std::max(0.0, f.height - f.bottom - y) << "\" fill=\"" << palette(0) << "\"><title>"
          << xml_escape(i < c.labels.size() ? c.labels[i] : "") << ": "
          << format_number(c.values[i]) << "</title></rect>\n";
        const double lx = f.px(double(i)) + slot / 2, ly = f.height - f.bottom + 14;
        const std::string label = i < c.labels.size() ? xml_escape(c.labels[i]) : "";
        if (slanted)
            s << "<text x=\"" << lx << "\" y=\"" << ly
              << "\" text-anchor=\"end\" font-size=\"10\" transform=\"rotate(-45 " << lx << ' '
              << ly << ")\">" << label << "</text>\n";
        else
            s << "<text x=\"" << lx << "\" y=\"" << ly << "\" text-anchor=\"middle\">" << label
              << "</text>\n";
    }
    s << "</g>\n";
    axis_labels(s, f, c.x_label, c.y_label);
    s << "</svg>\n";
    return s.str();
}

std::string overlaid_histogram(const OverlaidHistogram& c) {
    Frame f;
    f.width = c.width;
    f.height = c.height;
    const size_t bins = c.bin_labels.size();
    f.x0 = 0;
    f.x1 = double(std::max<size_t>(bins, 1));
    std::vector<double> ys;
    for (const auto& ser : c.series) ys.insert(ys.end(), ser.y.begin(), ser.y.end());
    range_of(ys, true, f.y0, f.y1);
    std::ostringstream s;
    open(s, f.width, f.height, c.title);
    y_axis(s, f);
    const double slot = f.plot_w() / f.x1;
    std::vector<std::string> names;
    for (size_t i = 0; i < c.series.size(); ++i) {
        names.push_back(c.series[i].name);
        s << "<g class=\"series\" data-name=\"" << xml_escape(c.series[i].name) << "\">\n";
        for (size_t b = 0; b < std::min(bins, c.series[i].y.size()); ++b) {
            const double v = c.series[i].y[b];
            if (!(v > 0)) continue;
            const double y = f.py(v);
            s << "<rect x=\"" << f.px(double(b)) << "\" y=\"" << y << "\" width=\"" << slot
              << "\" height=\"" << f.height - f.bottom - y << "\" fill=\"" << palette(i)
              << "\" fill-opacity=\"0.5\"><title>" << xml_escape(c.series[i].name) << ' '
              << xml_escape(c.bin_labels[b]) << ": " << format_number(v) << "</title></rect>\n";
        }
        s << "</g>\n";
    }
    const size_t every = std::max<size_t>(1, c.label_every);
    for (size_t b = 0; b < bins; b += every) {
        const double x = f.px(double(b)) + slot / 2, y = f.height - f.bottom;
        s << "<line x1=\"" << x << "\" y1=\"" << y << "\" x2=\"" << x << "\" y2=\"" << y + 4
          << "\" stroke=\"black\"/>\n<text x=\"" << x << "\" y=\"" << y + 17
          << "\" text-anchor=\"middle\">" << xml_escape(c.bin_labels[b]) << "</text>\n";
    }
    legend(s, f, names, true);
    axis_labels(s, f, c.x_label, c.y_label);
    s << "</svg>\n";
    return s.str();
}

std::string piano_roll_image(const PianoRoll& roll, const std::string& title, int width, int height,
                             int64_t max_steps) {
    Frame f;
    f.width = width;
    f.height = height;
    const int64_t steps = std::min(roll.steps, max_steps);
    int lo = 128, hi = -1;
    for (int p = 0; p < 128; ++p)
        for (int64_t t = 0; t < steps; ++t)
            if (roll.at(p, t)) {
                lo = std::min(lo, p);
                hi = std::max(hi, p);
                break;
            }
    if (hi < 0) lo = 60, hi = 72;
    if (hi - lo < 12) {
        const int mid = (lo + hi) / 2;
        lo = std::max(0, mid - 6);
        hi = std::min(127, lo + 12);
    }
    const int spq = std::max(1, roll.steps_per_quarter);
    f.x0 = 0;
    f.x1 = std::max(1.0, double(steps) / spq);
    f.y0 = lo - 0.5;
    f.y1 = hi + 0.5;
    std::ostringstream s;
    open(s, f.width, f.height, title);
    // Pitch rows: a shaded band per black key, a labelled line per C.
    for (int p = lo; p <= hi; ++p) {
        const int pc = p % 12;
        if (pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10)
            s << "<rect x=\"" << f.left << "\" y=\"" << f.py(p + 0.5) << "\" width=\"" << f.plot_w()
              << "\" height=\"" << f.py(p - 0.5) - f.py(p + 0.5) << "\" fill=\"#f2f2f2\"/>\n";
        if (pc == 0)
            s << "<line x1=\"" << f.left << "\" y1=\"" << f.py(p - 0.5) << "\" x2=\""
              << f.width - f.right << "\" y2=\"" << f.py(p - 0.5)
              << "\" stroke=\"#bbb\"/>\n<text x=\"" << f.left - 6 << "\" y=\"" << f.py(p) + 4
              << "\" text-anchor=\"end\">" << xml_escape(music::pitch_name(p)) << "</text>\n";
    }
    s << "<line x1=\"" << f.left << "\" y1=\"" << f.top << "\" x2=\"" << f.left << "\" y2=\""
      << f.height - f.bottom << "\" stroke=\"black\"/>\n<line x1=\"" << f.left << "\" y1=\""
      << f.height - f.bottom << "\" x2=\"" << f.width - f.right << "\" y2=\"" << f.height - f.bottom
      << "\" stroke=\"black\"/>\n";
    numeric_x_ticks(s, f);
    s << "<g class=\"notes\" fill=\"" << palette(0) << "\">\n";
    const double step_w = f.plot_w() / double(std::max<int64_t>(steps, 1));
    for (int p = lo; p <= hi; ++p) {
        int64_t t = 0;
        while (t < steps) {
            if (!roll.at(p, t)) {
                ++t;
                continue;
            }
            int64_t end = t;
            while (end < steps && roll.at(p, end)) ++end;
            char buf[128];
            std::snprintf(
                buf, sizeof buf, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/>\n",
                f.px(double(t) / spq), f.py(p + 0.45),
                std::max(1.0, step_w * double(end - t) - 0.5), f.py(p - 0.45) - f.py(p + 0.45));
            s << buf;
            t = end;
        }
    }
    s << "</g>\n";
    axis_labels(s, f, "time (quarter notes; " + std::to_string(spq) + " steps per quarter)",
                "pitch");
    s << "</svg>\n";
    return s.str();
}

}  // namespace cadenza::app::svg
