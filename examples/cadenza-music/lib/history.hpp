// examples/cadenza-music/lib/history.hpp: a run's history (history.csv) and
// its training curves.
//
// `train` redraws accuracy.svg and loss.svg in the run folder after every
// epoch; `report` puts the same charts on its page (the paper's Figs. 8 to 11).
#pragma once

#include <string>
#include <vector>

namespace cadenza::app {

struct History {
    std::vector<double> epoch, loss, accuracy, val_loss, val_accuracy;
};

// The header of history.csv.
const char* history_header();

// history.csv: epoch,loss,accuracy,top5_accuracy,val_loss,val_accuracy,...;
// an empty or unparsable cell (no validation set) is NaN, a gap in the curve.
History parse_history(const std::string& csv);

// A history a run could have written: epochs 1, 2, ..., n in order, every
// training loss and accuracy finite (validation may be missing: NaN).
bool is_plausible(const History& h);

// SVG documents of accuracy and loss per epoch, training and validation.
std::string accuracy_chart(const History& h);
std::string loss_chart(const History& h);

}  // namespace cadenza::app
