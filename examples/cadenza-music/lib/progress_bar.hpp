// examples/cadenza-music/lib/progress_bar.hpp: one live line per epoch on a terminal.
//
//   epoch 3/100 [###########.........] 120/400  1523 samples/s  loss 3.2107  acc 0.124  ETA 0:42
// Redrawn in place (\r) on a terminal, at most 10 times a second; when the
// output is a file or a pipe, only the finished line is written.
#pragma once

#include <chrono>
#include <string>

#include "cadenza/model/sequential.hpp"

namespace cadenza::app {

// "0:42", "1:02:03".
std::string clock_text(double seconds);

class ProgressBar {
public:
    explicit ProgressBar(int epochs);
    void update(const BatchProgress& p);
    // Clears the live line (before an epoch's summary is printed).
    void finish();

private:
    int epochs_;
    bool tty_;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace cadenza::app
