// examples/cadenza-music/lib/history.cpp: see history.hpp.
#include "history.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "report/svg_plot.hpp"

namespace cadenza::app {

const char* history_header() {
    return "epoch,loss,accuracy,top5_accuracy,val_loss,val_accuracy,val_top5_accuracy,seconds\n";
}

History parse_history(const std::string& csv) {
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

bool is_plausible(const History& h) {
    for (size_t i = 0; i < h.epoch.size(); ++i)
        if (h.epoch[i] != double(i + 1) || !std::isfinite(h.loss[i]) || !std::isfinite(h.accuracy[i]) ||
            h.accuracy[i] < 0 || h.accuracy[i] > 1)
            return false;
    return true;
}

std::string accuracy_chart(const History& h) {
    svg::LineChart c{"Accuracy per epoch (Fig. 8, 10)", "epoch", "accuracy", {}};
    c.integer_x = true;
    c.series.push_back({"training", h.epoch, h.accuracy});
    c.series.push_back({"validation", h.epoch, h.val_accuracy});
    return svg::line_chart(c);
}

std::string loss_chart(const History& h) {
    svg::LineChart c{"Loss per epoch (Fig. 9, 11)", "epoch", "cross-entropy loss", {}};
    c.integer_x = true;
    c.series.push_back({"training", h.epoch, h.loss});
    c.series.push_back({"validation", h.epoch, h.val_loss});
    return svg::line_chart(c);
}

}  // namespace cadenza::app
