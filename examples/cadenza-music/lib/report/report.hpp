// examples/cadenza-music/lib/report/report.hpp: `cadenza-music report RUN_DIR`:
// see and hear a run (the paper's figures 5-16) in one folder and one
// self-contained page.
//
// Loads RUN_DIR/best.ckpt (or last.ckpt, or the --checkpoint given) and the
// corpus the run trained on, composes N pieces (seeds S..S+N-1, temperature 1,
// top-p 0.95: sampling, since argmax tends to loop on one token; --argmax for
// the paper's decoding), and writes into REPORT_DIR:
//   *.svg (+ *.png where rsvg-convert or chromium exists)  the plots
//   piece-K.mid                 the generated pieces
//   piece-1.musicxml            sheet music of the first piece
//   sheet.pdf, sheet.png        LilyPond's engraving of it (musicxml2ly + lilypond)
//   piece-K.wav                 FluidSynth with the General MIDI soundfont
//   metrics.json                Yang & Lerch's comparison, copying, repetition
//   index.html                  everything above; images inlined as data: URIs
// Optional tools that are missing give one "notice:" line, never a failure.
// Every product is written to a temporary name and renamed into place.
#pragma once

#include <cstdint>
#include <string>

namespace cadenza::app {

struct ReportRequest {
    std::string run_dir, out_dir;
    int pieces = 3;
    int length = 500;
    uint64_t seed = 1;
    int threads = 0;
    std::string checkpoint;  // empty: RUN_DIR/best.ckpt, else last.ckpt
    bool argmax = false;     // the paper's decoding instead of nucleus sampling
};

int run_report(const ReportRequest& req);

}  // namespace cadenza::app
