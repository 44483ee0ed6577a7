// examples/music/curves.hpp: a run's history (history.csv) and its training curves.
//
// `train` redraws accuracy.svg and loss.svg in the run folder after every epoch;
// `report` puts the same charts on its page (the paper's Figs. 8 to 11).
#pragma once

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cadenza/music/svg_plot.hpp"

namespace cadenza::app {

struct History {
    std::vector<double> epoch, loss, accuracy, val_loss, val_accuracy;
};

// history.csv: epoch,loss,accuracy,top5_accuracy,val_loss,val_accuracy,...;
// an empty or unparsable cell (no validation set) is NaN, a gap in the curve.
inline History parse_history(const std::string& csv) {
    History h;
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);  // header
    auto cell = [](const std::vector<std::string>& row, size_t i) {
        if (i >= row.size() || row[i].empty()) return std::nan("");
        char* end = nullptr;
        const double v = std::strtod(row[i].c_str(), &end);
        return end && *end == '\0' ? v : std::nan("");
    };
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<std::string> row;
        std::stringstream ss(line);
        std::string c;
        while (std::getline(ss, c, ',')) row.push_back(c);
        h.epoch.push_back(cell(row, 0));
        h.loss.push_back(cell(row, 1));
        h.accuracy.push_back(cell(row, 2));
        h.val_loss.push_back(cell(row, 4));
        h.val_accuracy.push_back(cell(row, 5));
    }
    return h;
}

inline std::string accuracy_chart(const History& h) {
    music::svg::LineChart c{"Accuracy per epoch (Fig. 8, 10)", "epoch", "accuracy", {}};
    c.integer_x = true;
    c.series.push_back({"training", h.epoch, h.accuracy});
    c.series.push_back({"validation", h.epoch, h.val_accuracy});
    return music::svg::line_chart(c);
}

inline std::string loss_chart(const History& h) {
    music::svg::LineChart c{"Loss per epoch (Fig. 9, 11)", "epoch", "cross-entropy loss", {}};
    c.integer_x = true;
    c.series.push_back({"training", h.epoch, h.loss});
    c.series.push_back({"validation", h.epoch, h.val_loss});
    return music::svg::line_chart(c);
}

}  // namespace cadenza::app
