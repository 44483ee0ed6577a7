// examples/cadenza-music/lib/report/html_page.hpp: the report's one
// self-contained page: every image inlined as a data: URI (base64), audio
// players for the rendered pieces, the metrics tables, and a tiny script that
// marks the body data-render="ok" once every image has decoded (the CI check
// renders the page in headless chromium and looks for that mark).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "metrics.hpp"

namespace cadenza::app {

// Bytes as base64 (RFC 4648, with padding).
std::string base64(const std::string& bytes);

struct Figure {
    std::string file;     // name in the report folder, without extension
    std::string caption;  // what it shows
    std::string svg;
};

// One generated piece's row of the page.
struct PieceRow {
    std::string file;  // piece-K.mid
    uint64_t seed = 0;
    PieceFeatures features;
    size_t copied = 0;           // longest passage found verbatim in a training song
    std::string copied_from;     // that song's name
    size_t repeated = 0;         // longest run of one token
    std::string repeated_token;  // that token
};

struct ReportPage {
    std::string title;
    std::vector<std::pair<std::string, std::string>> summary;  // "Model and data": name, text
    std::vector<Agreement> agreement;                          // empty: no training data to compare
    std::vector<PieceRow> pieces;
    std::vector<std::string> audio;  // WAV files beside the page
    std::vector<Figure> figures;
    std::string sheet_png;  // PNG bytes of the sheet music's first page, or ""
    std::string evaluation;  // `cadenza-music evaluate`'s table on the run's test songs, or ""
};

std::string render_page(const ReportPage& page);

}  // namespace cadenza::app
