// examples/cadenza-music/lib/report/html_page.cpp: see html_page.hpp.
#include "html_page.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "cadenza/music/pitch_names.hpp"
#include "xml_text.hpp"

namespace cadenza::app {

namespace {

std::string fixed(double v, int digits = 3) {
    if (!std::isfinite(v)) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

const char* kStyle =
    "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
    "th:first-child,td:first-child{text-align:left}figure{margin:1.5em 0}img{max-width:100%}"
    "figcaption{color:#555;font-size:90%}table.summary td{text-align:left}</style>\n";

// The CI check: every image decoded and no script error -> data-render="ok".
const char* kRenderCheck =
    "<script>var "
    "errors=[];window.addEventListener('error',function(e){errors.push(String(e.message))});"
    "window.addEventListener('load',function(){var bad=[];for(var "
    "i=0;i<document.images.length;i++){"
    "var m=document.images[i];if(!(m.complete&&m.naturalWidth>0))bad.push(m.alt)}"
    "document.body.setAttribute('data-render',bad.length||errors.length?'broken: "
    "'+bad.concat(errors).join('; '):'ok');"
    "document.body.setAttribute('data-images',String(document.images.length))});</script>\n";

void agreement_table(std::ostringstream& html, const std::vector<Agreement>& agreement) {
    html << "<p>Generated set against training set, after Yang &amp; Lerch (2018): overlapped area "
            "(1 = same "
            "distribution) and KL divergence KL(training&#8201;||&#8201;generated) (0 = same). "
            "Scalar features: "
            "per-piece values smoothed by a Gaussian kernel density; histograms: notes pooled per "
            "set. For "
            "histograms the mean columns give the most common "
            "bin.</p>\n<table><tr><th>feature</th><th>training"
            "</th><th>generated</th><th>overlapped area</th><th>KL divergence</th></tr>\n";
    for (const auto& a : agreement) {
        const bool pch = a.feature == "pitch-class histogram",
                   nlh = a.feature == "note-length histogram";
        auto show = [&](double v) {
            if (pch) return music::pitch_class_name(int(v));
            if (nlh) return std::string(kNoteLengthNames[size_t(v)]);
            return fixed(v, 2);
        };
        html << "<tr><td>" << a.feature << "</td><td>" << show(a.training_mean) << "</td><td>"
             << show(a.generated_mean) << "</td><td>" << fixed(a.overlapped_area) << "</td><td>"
             << fixed(a.kl_divergence) << "</td></tr>\n";
    }
    html << "</table>\n";
}

void pieces_table(std::ostringstream& html, const std::vector<PieceRow>& pieces) {
    html << "<p>Per piece: the longest passage found verbatim in a training song and the longest "
            "run of one "
            "repeated token (tokens).</p>\n<table><tr><th>piece</th><th>notes</th><th>pitch "
            "count</th>"
            "<th>pitch range</th><th>avg. interval</th><th>inter-onset (quarters)</th><th>longest "
            "copy</th>"
            "<th>longest repeat</th></tr>\n";
    for (const auto& p : pieces) {
        const PieceFeatures& f = p.features;
        html << "<tr><td>" << xml_escape(p.file) << " (seed " << p.seed << ")</td><td>" << f.notes
             << "</td><td>" << f.pitch_count << "</td><td>" << f.pitch_range << "</td><td>"
             << fixed(f.pitch_interval, 2) << "</td><td>" << fixed(f.inter_onset, 2) << "</td><td>"
             << p.copied << (p.copied ? " (" + xml_escape(p.copied_from) + ")" : std::string())
             << "</td><td>" << p.repeated
             << (p.repeated_token.empty() ? std::string()
                                          : " &times; " + xml_escape(p.repeated_token))
             << "</td></tr>\n";
    }
    html << "</table>\n";
}

}  // namespace

std::string base64(const std::string& bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 |
                           uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i < bytes.size()) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string render_page(const ReportPage& page) {
    std::ostringstream html;
    html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Cadenza "
            "report: "
         << xml_escape(page.title) << "</title>\n"
         << kStyle << kRenderCheck << "</head><body>\n<h1>Cadenza report</h1>\n";
    html << "<h2>Model and data</h2>\n<table class=\"summary\">\n";
    for (const auto& [name, text] : page.summary)
        html << "<tr><td>" << xml_escape(name) << "</td><td>" << xml_escape(text) << "</td></tr>\n";
    html << "</table>\n";
    if (!page.evaluation.empty())
        html << "<h2>Held-out songs</h2>\n<p>The model against the baselines on the run's test songs "
                "(<code>cadenza-music evaluate</code>):</p>\n<pre>"
             << xml_escape(page.evaluation) << "</pre>\n";
    html << "<h2>Metrics</h2>\n";
    if (!page.agreement.empty()) agreement_table(html, page.agreement);
    pieces_table(html, page.pieces);
    if (!page.audio.empty()) {
        html << "<h2>Listen</h2>\n";
        for (const auto& w : page.audio)
            html << "<p>" << xml_escape(w) << "<br><audio controls preload=\"none\" src=\""
                 << xml_escape(w) << "\"></audio></p>\n";
    }
    html << "<h2>Figures</h2>\n";
    for (const auto& f : page.figures)
        html << "<figure><img alt=\"" << xml_escape(f.file) << "\" src=\"data:image/svg+xml;base64,"
             << base64(f.svg) << "\"><figcaption>" << xml_escape(f.caption) << " (" << f.file
             << ".svg)</figcaption></figure>\n";
    if (!page.sheet_png.empty())
        html << "<h2>Sheet music (Fig. 15, 16)</h2>\n<figure><img alt=\"sheet\" "
                "src=\"data:image/png;base64,"
             << base64(page.sheet_png)
             << "\"><figcaption>Piece 1, first page, engraved by LilyPond from "
             << "piece-1.musicxml (sheet.pdf has every page)</figcaption></figure>\n";
    else
        html
            << "<p>Sheet music: piece-1.musicxml (no engraving: LilyPond missing or failed).</p>\n";
    html << "</body></html>\n";
    return html.str();
}

}  // namespace cadenza::app
