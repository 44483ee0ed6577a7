// examples/cadenza-music/lib/progress_bar.cpp: see progress_bar.hpp.
#include "progress_bar.hpp"

#include <unistd.h>

#include <cstdio>

namespace cadenza::app {

std::string clock_text(double seconds) {
    long s = long(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

ProgressBar::ProgressBar(int epochs) : epochs_(epochs), tty_(isatty(fileno(stderr)) != 0) {}

void ProgressBar::update(const BatchProgress& p) {
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (p.batch != p.batches && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const int width = 20;
    int filled = int(double(width) * double(p.batch) / double(p.batches));
    std::string bar(size_t(filled), '#');
    bar += std::string(size_t(width - filled), '.');
    double rate = p.seconds > 0 ? double(p.samples) / p.seconds : 0.0;
    double eta = p.batch > 0 ? p.seconds * double(p.batches - p.batch) / double(p.batch) : 0.0;
    std::fprintf(stderr,
                 "\repoch %d/%d [%s] %lld/%lld  %.0f samples/s  loss %.4f  acc %.3f  ETA %s   ",
                 p.epoch, epochs_, bar.c_str(), (long long)p.batch, (long long)p.batches, rate,
                 p.loss, p.accuracy, clock_text(eta).c_str());
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (tty_) std::fprintf(stderr, "\r%*s\r", 110, "");
}

}  // namespace cadenza::app
