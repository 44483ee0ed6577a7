// examples/music/report.hpp: `cadenza-music report RUN_DIR`: see and hear a
// run (the paper's figures 5-16) in one folder and one self-contained page.
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

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>  // access(): is a tool executable

#include "cadenza/io/container.hpp"
#include "cadenza/music/analysis.hpp"
#include "cadenza/music/metrics.hpp"
#include "cadenza/music/musicxml.hpp"
#include "cadenza/music/svg_plot.hpp"
#include "curves.hpp"
#include "device.hpp"
#include "generate.hpp"

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

namespace report_detail {

namespace fs = std::filesystem;

inline const char* kSoundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

inline bool have_tool(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/bin:/bin";
    std::stringstream ss(p);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        std::error_code ec;
        const fs::path f = fs::path(dir.empty() ? "." : dir) / name;
        if (fs::is_regular_file(f, ec) && access(f.c_str(), X_OK) == 0) return true;
    }
    return false;
}

inline std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs a shell command with its output in `log`; true on exit status 0.
inline bool run_tool(const std::string& command, const std::string& log) {
    return std::system((command + " > " + quote(log) + " 2>&1").c_str()) == 0;
}

inline std::string last_line(const std::string& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    return last;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A tool's output file, moved into place only once complete.
inline bool move_into_place(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    if (!fs::is_regular_file(from, ec) || fs::file_size(from, ec) == 0) return false;
    fs::rename(from, to, ec);
    if (ec) {  // another file system: copy beside the target, then rename
        fs::path tmp = to;
        tmp += ".part";
        fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
        if (!ec) fs::rename(tmp, to, ec);
    }
    return !ec;
}

inline std::string base64(const std::string& bytes) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
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

inline std::string html_escape(const std::string& s) { return music::svg::escape(s); }

inline std::string fixed(double v, int digits = 3) {
    if (!std::isfinite(v)) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

inline std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

struct Figure {
    std::string file;     // name in the report folder, without extension
    std::string caption;  // what it shows
    std::string svg;
};

inline std::vector<double> shares(const std::array<int64_t, 128>& hist, int lo, int hi) {
    double total = 0;
    for (int p = lo; p <= hi; ++p) total += double(hist[size_t(p)]);
    std::vector<double> v;
    for (int p = lo; p <= hi; ++p) v.push_back(total > 0 ? double(hist[size_t(p)]) / total : 0.0);
    return v;
}

}  // namespace report_detail

inline int run_report(const ReportRequest& req) {
    using namespace report_detail;
    namespace svg = music::svg;
    const fs::path run(req.run_dir);
    CADENZA_CHECK(fs::is_directory(run), req.run_dir, ": no such run folder");
    fs::path ckpt = run / "best.ckpt";
    if (!req.checkpoint.empty()) {
        ckpt = req.checkpoint;
        CADENZA_CHECK(fs::is_regular_file(ckpt), req.checkpoint, ": no such checkpoint file");
    } else if (!fs::exists(ckpt)) {
        ckpt = run / "last.ckpt";
    }
    CADENZA_CHECK(fs::exists(ckpt), req.run_dir,
                  ": holds neither best.ckpt nor last.ckpt; give a run folder made by `cadenza-music train`");
    const std::string sampling_words =
        req.argmax ? "argmax, the paper's decoding" : "temperature 1, top-p 0.95";
    const fs::path out = req.out_dir.empty() ? run / "report" : fs::path(req.out_dir);
    std::error_code ec;
    fs::create_directories(out, ec);
    CADENZA_CHECK(!ec, out.string(), ": cannot create the report folder (", ec.message(), ")");
    // Absolute: the LilyPond step runs from inside it (`cd work && lilypond`).
    const fs::path work = fs::absolute(out / ".work");
    fs::remove_all(work, ec);
    fs::create_directories(work, ec);
    CADENZA_CHECK(!ec, work.string(), ": cannot create a scratch folder (", ec.message(), ")");
    auto write = [&](const std::string& name, const std::string& bytes) {
        io::write_file_atomically((out / name).string(), bytes);
    };

    Checkpoint k = load_checkpoint(ckpt.string(), make_backend("cpu", req.threads));
    const int tpq = 480;  // tokens_to_notes writes 480 ticks per quarter

    // The training data, when its corpus is still where the run found it.
    Corpus corpus;
    bool have_corpus = false;
    if (k.settings.corpus.empty() || !fs::exists(k.settings.corpus)) {
        std::printf("notice: the run's corpus %s is missing; no training-data plots or comparison\n",
                    k.settings.corpus.empty() ? "(not recorded)" : k.settings.corpus.c_str());
    } else {
        corpus = load_corpus(k.settings.corpus);
        have_corpus = corpus.vocabulary.tokens() == k.vocabulary.tokens();
        if (!have_corpus)
            std::printf("notice: %s has another vocabulary than the checkpoint; no training-data plots or comparison\n",
                        k.settings.corpus.c_str());
    }

    // Training songs as notes, decoded the way generated tokens are, so both
    // sides of every comparison went through the same decoder.
    std::vector<std::vector<midi::Note>> train_notes;
    std::vector<std::vector<int>> train_ids;
    std::vector<std::string> train_tokens;
    if (have_corpus) {
        for (const auto& song : corpus.songs) {
            auto tokens = corpus.vocabulary.decode(song.ids);
            int dropped = 0;
            try {
                train_notes.push_back(tokens_to_notes(tokens, k.encoding, 0, dropped));
            } catch (const std::exception&) {
                continue;
            }
            train_ids.push_back(song.ids);
            train_tokens.insert(train_tokens.end(), tokens.begin(), tokens.end());
        }
    }

    // Compose.
    struct Piece {
        std::vector<std::string> tokens;
        std::vector<int> ids;
        std::vector<midi::Note> notes;
        music::CopiedPassage copied;
        music::RepeatedRun repeated;
        uint64_t seed = 0;
    };
    std::vector<Piece> pieces;
    std::vector<std::string> gen_tokens;
    for (int i = 0; i < req.pieces; ++i) {
        GenerateRequest g;
        g.checkpoint = ckpt.string();
        g.length = req.length;
        g.sampling.temperature = req.argmax ? 0.0 : 1.0;
        g.sampling.top_p = req.argmax ? 1.0 : 0.95;
        g.sampling.seed = req.seed + uint64_t(i);
        Piece p;
        p.seed = g.sampling.seed;
        p.tokens = compose(k, g).tokens;
        p.ids = k.vocabulary.encode(p.tokens);
        int dropped = 0;
        p.notes = tokens_to_notes(p.tokens, k.encoding, 0, dropped);
        p.copied = music::longest_copied_passage(p.ids, train_ids);
        p.repeated = music::longest_repeated_run(p.ids);
        write_piece((out / ("piece-" + std::to_string(i + 1) + ".mid")).string(), p.notes, 120);
        gen_tokens.insert(gen_tokens.end(), p.tokens.begin(), p.tokens.end());
        pieces.push_back(std::move(p));
    }
    std::vector<midi::Note> gen_all;
    for (const auto& p : pieces) gen_all.insert(gen_all.end(), p.notes.begin(), p.notes.end());

    // Figures.
    std::vector<Figure> figs;
    // A chosen checkpoint shows the curves up to its own epoch (the paper's
    // Figs. 10-11 for 40 epochs); otherwise the run's whole history.
    const bool run_history = req.checkpoint.empty() && fs::exists(run / "history.csv");
    const History h = parse_history(run_history ? read_file((run / "history.csv").string())
                                                : k.progress.history_csv);
    if (!h.epoch.empty()) {
        figs.push_back({"accuracy", "Training and validation accuracy per epoch", accuracy_chart(h)});
        figs.push_back({"loss", "Training and validation loss per epoch", loss_chart(h)});
    }
    if (have_corpus && !train_notes.empty()) {
        // The longest song shows the most.
        size_t longest = 0;
        for (size_t s = 1; s < train_notes.size(); ++s)
            if (train_notes[s].size() > train_notes[longest].size()) longest = s;
        figs.push_back({"roll-training", "Piano roll of training song '" + corpus.songs[longest].name +
                                             "' (first 32 bars), 16 steps per quarter note",
                        svg::piano_roll_image(music::piano_roll(train_notes[longest], tpq),
                                              "Training song: " + corpus.songs[longest].name + " (Fig. 5)")});
    }
    if (!pieces.empty())
        figs.push_back({"roll-generated", "Piano roll of generated piece 1 (first 32 bars), 16 steps per quarter note",
                        svg::piano_roll_image(music::piano_roll(pieces[0].notes, tpq), "Generated piece 1")});

    std::array<int64_t, 128> train_hist{}, gen_hist = music::pitch_histogram(gen_all);
    for (const auto& n : train_notes)
        for (size_t p = 0; p < 128; ++p) train_hist[p] += music::pitch_histogram(n)[p];
    int lo = 127, hi = 0;
    for (int p = 0; p < 128; ++p)
        if (train_hist[size_t(p)] + gen_hist[size_t(p)] > 0) lo = std::min(lo, p), hi = std::max(hi, p);
    if (lo > hi) lo = 48, hi = 84;
    lo = std::max(0, lo - 2);
    hi = std::min(127, hi + 2);
    std::vector<std::string> pitch_labels;
    for (int p = lo; p <= hi; ++p) pitch_labels.push_back(p % 12 == 0 ? music::pitch_name(p) : "");
    if (have_corpus) {
        svg::OverlaidHistogram ph{"MIDI pitch distribution of the training songs (Fig. 5)", "pitch",
                                  "notes", pitch_labels, {}};
        std::vector<double> counts;
        for (int p = lo; p <= hi; ++p) counts.push_back(double(train_hist[size_t(p)]));
        ph.series.push_back({"training", {}, counts});
        figs.push_back({"pitch-histogram", "How often each MIDI pitch sounds in the training songs",
                        svg::overlaid_histogram(ph)});
        const auto top = music::token_frequencies(train_tokens, 30);
        svg::BarChart tb{"Most frequent tokens in the training songs (Fig. 6)", "token", "count", {}, {}};
        for (const auto& [t, c] : top) tb.labels.push_back(t), tb.values.push_back(double(c));
        figs.push_back({"top-tokens", "The 30 most frequent tokens of the training data", svg::bar_chart(tb)});

        svg::OverlaidHistogram cmp{"Pitch distribution: generated vs training (Fig. 13, 14)", "pitch",
                                   "share of notes", pitch_labels, {}};
        cmp.series.push_back({"training", {}, shares(train_hist, lo, hi)});
        cmp.series.push_back({"generated", {}, shares(gen_hist, lo, hi)});
        figs.push_back({"pitch-compare", "Share of notes per pitch, generated pieces over training songs",
                        svg::overlaid_histogram(cmp)});
        std::array<int64_t, 128> tpc{}, gpc{};
        for (int p = 0; p < 128; ++p) tpc[size_t(p % 12)] += train_hist[size_t(p)], gpc[size_t(p % 12)] += gen_hist[size_t(p)];
        svg::OverlaidHistogram pc{"Pitch classes: generated vs training", "pitch class", "share of notes", {}, {}};
        for (int c = 0; c < 12; ++c) pc.bin_labels.push_back(music::pitch_class_name(c));
        pc.series.push_back({"training", {}, shares(tpc, 0, 11)});
        pc.series.push_back({"generated", {}, shares(gpc, 0, 11)});
        figs.push_back({"pitch-class-compare", "Share of notes per pitch class", svg::overlaid_histogram(pc)});
    }
    {
        const auto top = music::token_frequencies(gen_tokens, 30);
        svg::BarChart gb{"Most frequent tokens in the generated pieces (Fig. 12)", "token", "count", {}, {}};
        for (const auto& [t, c] : top) gb.labels.push_back(t), gb.values.push_back(double(c));
        figs.push_back({"generated-tokens", "The 30 most frequent tokens of all generated pieces", svg::bar_chart(gb)});
        svg::BarChart ub{"Unique pitches per piece", "piece", "distinct MIDI pitches", {}, {}};
        if (!train_notes.empty()) {
            double mean = 0;
            for (const auto& n : train_notes) mean += music::unique_pitch_count(n) / double(train_notes.size());
            ub.labels.push_back("training (mean)");
            ub.values.push_back(mean);
        }
        for (size_t i = 0; i < pieces.size(); ++i) {
            ub.labels.push_back("piece " + std::to_string(i + 1));
            ub.values.push_back(music::unique_pitch_count(pieces[i].notes));
        }
        figs.push_back({"unique-pitches", "Distinct pitches in each generated piece (and a training song on average)",
                        svg::bar_chart(ub)});
    }

    // SVG files, and PNG copies when a converter exists.
    const bool rsvg = have_tool("rsvg-convert"), chromium = have_tool("chromium");
    if (!rsvg && !chromium) std::printf("notice: neither rsvg-convert nor chromium installed; SVG plots only, no PNG\n");
    for (const auto& f : figs) {
        write(f.file + ".svg", f.svg);
        const std::string svg_path = (out / (f.file + ".svg")).string(), png_tmp = (work / (f.file + ".png")).string();
        bool ok = false;
        if (rsvg) ok = run_tool("rsvg-convert -b white -o " + quote(png_tmp) + " " + quote(svg_path), (work / "png.log").string());
        if (ok) move_into_place(png_tmp, out / (f.file + ".png"));
    }
    if (!rsvg && chromium)
        for (const auto& f : figs) {
            const std::string png_tmp = (work / (f.file + ".png")).string();
            if (run_tool("chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --window-size=900,400 "
                         "--screenshot=" + quote(png_tmp) + " " + quote("file://" + fs::absolute(out / (f.file + ".svg")).string()),
                         (work / "png.log").string()))
                move_into_place(png_tmp, out / (f.file + ".png"));
        }

    // Sheet music of the first piece.
    std::string sheet_png;
    if (!pieces.empty()) {
        music::MusicXmlOptions mx;
        mx.title = "Cadenza, piece 1 (seed " + std::to_string(pieces[0].seed) + ")";
        music::write_musicxml((out / "piece-1.musicxml").string(), pieces[0].notes, tpq, mx);
        if (!have_tool("musicxml2ly") || !have_tool("lilypond")) {
            std::printf("notice: lilypond not installed; no sheet music\n");
        } else {
            const std::string ly = (work / "sheet.ly").string(), log = (work / "lilypond.log").string();
            const bool ok = run_tool("musicxml2ly --no-beaming -o " + quote(ly) + " " + quote((out / "piece-1.musicxml").string()), log) &&
                            run_tool("cd " + quote(work.string()) + " && lilypond -dno-point-and-click -dresolution=100 --pdf --png -o sheet sheet.ly", log);
            if (!ok) {
                std::printf("notice: lilypond could not engrave the sheet music (%s); no sheet music\n", last_line(log).c_str());
            } else {
                move_into_place(work / "sheet.pdf", out / "sheet.pdf");
                // One page: sheet.png; several: sheet-page1.png, ... (the first is shown)
                if (move_into_place(work / "sheet.png", out / "sheet.png") ||
                    move_into_place(work / "sheet-page1.png", out / "sheet.png"))
                    sheet_png = (out / "sheet.png").string();
            }
        }
    }

    // Audio.
    std::vector<std::string> wavs;
    if (!have_tool("fluidsynth") || !fs::exists(kSoundfont)) {
        std::printf("notice: %s; no audio\n", have_tool("fluidsynth") ? "the soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2 (fluid-soundfont-gm) is missing"
                                                                       : "fluidsynth not installed");
    } else {
        for (size_t i = 0; i < pieces.size(); ++i) {
            const std::string name = "piece-" + std::to_string(i + 1);
            const std::string tmp = (work / (name + ".wav")).string();
            if (run_tool("fluidsynth -ni -q -g 0.6 -r 22050 -F " + quote(tmp) + " " + quote(kSoundfont) + " " +
                             quote((out / (name + ".mid")).string()),
                         (work / "fluidsynth.log").string()) &&
                move_into_place(tmp, out / (name + ".wav")))
                wavs.push_back(name + ".wav");
            else
                std::printf("notice: fluidsynth could not render %s.mid (%s); no audio for it\n", name.c_str(),
                            last_line((work / "fluidsynth.log").string()).c_str());
        }
    }

    // Metrics.
    std::vector<music::PieceFeatures> tf, gf;
    for (const auto& n : train_notes) tf.push_back(music::piece_features(n, tpq));
    for (const auto& p : pieces) gf.push_back(music::piece_features(p.notes, tpq));
    const auto agreement = have_corpus ? music::compare_sets(tf, gf) : std::vector<music::Agreement>{};
    std::ostringstream js;
    js << "{\n  \"checkpoint\": \"" << ckpt.filename().string() << "\",\n  \"epochs\": " << k.progress.epoch
       << ",\n  \"sampling\": {\"temperature\": " << (req.argmax ? 0 : 1) << ", \"top_p\": "
       << (req.argmax ? 1.0 : 0.95) << ", \"length\": " << req.length << "},\n"
       << "  \"training_songs\": " << train_notes.size() << ",\n  \"set_comparison\": [";
    for (size_t i = 0; i < agreement.size(); ++i)
        js << (i ? "," : "") << "\n    {\"feature\": \"" << agreement[i].feature << "\", \"training\": "
           << json_number(agreement[i].training_mean) << ", \"generated\": " << json_number(agreement[i].generated_mean)
           << ", \"overlapped_area\": " << json_number(agreement[i].overlapped_area)
           << ", \"kl_divergence\": " << json_number(agreement[i].kl_divergence) << "}";
    js << "\n  ],\n  \"pieces\": [";
    for (size_t i = 0; i < pieces.size(); ++i) {
        const auto& p = pieces[i];
        const auto& f = gf[i];
        js << (i ? "," : "") << "\n    {\"file\": \"piece-" << i + 1 << ".mid\", \"seed\": " << p.seed
           << ", \"tokens\": " << p.tokens.size() << ", \"notes\": " << f.notes
           << ", \"pitch_count\": " << json_number(f.pitch_count) << ", \"pitch_range\": " << json_number(f.pitch_range)
           << ", \"average_pitch_interval\": " << json_number(f.pitch_interval)
           << ", \"inter_onset_interval\": " << json_number(f.inter_onset)
           << ", \"longest_copied_passage\": " << p.copied.length;
        if (p.copied.length > 0)
            js << ", \"copied_from\": \"" << corpus.songs[p.copied.song].name << "\"";
        js << ", \"longest_repeated_run\": " << p.repeated.length << ", \"repeated_token\": \""
           << (p.repeated.token >= 0 ? k.vocabulary.decode(p.repeated.token) : "") << "\"}";
    }
    js << "\n  ]\n}\n";
    write("metrics.json", js.str());

    // The page.
    std::ostringstream html;
    html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Cadenza report: "
         << html_escape(run.filename().string().empty() ? req.run_dir : run.filename().string()) << "</title>\n"
         << "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
            "th:first-child,td:first-child{text-align:left}figure{margin:1.5em 0}img{max-width:100%}"
            "figcaption{color:#555;font-size:90%}table.summary td{text-align:left}</style>\n"
         // The CI check: every image decoded and no script error -> data-render="ok".
         << "<script>var errors=[];window.addEventListener('error',function(e){errors.push(String(e.message))});"
            "window.addEventListener('load',function(){var bad=[];for(var i=0;i<document.images.length;i++){"
            "var m=document.images[i];if(!(m.complete&&m.naturalWidth>0))bad.push(m.alt)}"
            "document.body.setAttribute('data-render',bad.length||errors.length?'broken: '+bad.concat(errors).join('; '):'ok');"
            "document.body.setAttribute('data-images',String(document.images.length))});</script>\n"
         << "</head><body>\n<h1>Cadenza report</h1>\n";
    html << "<h2>Model and data</h2>\n<table class=\"summary\">\n"
         << "<tr><td>run folder</td><td>" << html_escape(fs::absolute(run).string()) << "</td></tr>\n"
         << "<tr><td>checkpoint</td><td>" << html_escape(ckpt.filename().string()) << " (best epoch "
         << k.progress.best_epoch << " of " << k.progress.epoch << " trained)</td></tr>\n"
         << "<tr><td>model</td><td>" << html_escape(k.settings.model) << ", " << k.settings.lstm_units()
         << " LSTM units, window " << k.settings.seq_len << " tokens</td></tr>\n"
         << "<tr><td>encoding</td><td>" << encoding_name(k.encoding) << ", vocabulary " << k.vocabulary.size()
         << " tokens</td></tr>\n"
         << "<tr><td>corpus</td><td>" << html_escape(k.settings.corpus)
         << (have_corpus ? " (" + std::to_string(corpus.songs.size()) + " songs, " +
                               std::to_string(corpus.token_count()) + " tokens)"
                         : std::string(" (missing)"))
         << "</td></tr>\n<tr><td>generated</td><td>" << pieces.size() << " pieces of " << req.length
         << " tokens, seeds " << req.seed << ".." << req.seed + uint64_t(std::max(0, req.pieces - 1))
         << (req.argmax ? ", argmax (the paper's decoding)" : ", sampling at temperature 1 from the top-p 0.95 nucleus")
         << "</td></tr>\n</table>\n";
    html << "<h2>Metrics</h2>\n";
    if (!agreement.empty()) {
        html << "<p>Generated set against training set, after Yang &amp; Lerch (2018): overlapped area (1 = same "
                "distribution) and KL divergence KL(training&#8201;||&#8201;generated) (0 = same). Scalar features: "
                "per-piece values smoothed by a Gaussian kernel density; histograms: notes pooled per set. For "
                "histograms the mean columns give the most common bin.</p>\n<table><tr><th>feature</th><th>training"
                "</th><th>generated</th><th>overlapped area</th><th>KL divergence</th></tr>\n";
        for (const auto& a : agreement) {
            const bool pch = a.feature == "pitch-class histogram", nlh = a.feature == "note-length histogram";
            auto show = [&](double v) {
                if (pch) return music::pitch_class_name(int(v));
                if (nlh) return std::string(music::kNoteLengthNames[size_t(v)]);
                return fixed(v, 2);
            };
            html << "<tr><td>" << a.feature << "</td><td>" << show(a.training_mean) << "</td><td>"
                 << show(a.generated_mean) << "</td><td>" << fixed(a.overlapped_area) << "</td><td>"
                 << fixed(a.kl_divergence) << "</td></tr>\n";
        }
        html << "</table>\n";
    }
    html << "<p>Per piece: the longest passage found verbatim in a training song and the longest run of one "
            "repeated token (tokens).</p>\n<table><tr><th>piece</th><th>notes</th><th>pitch count</th>"
            "<th>pitch range</th><th>avg. interval</th><th>inter-onset (quarters)</th><th>longest copy</th>"
            "<th>longest repeat</th></tr>\n";
    for (size_t i = 0; i < pieces.size(); ++i) {
        const auto& p = pieces[i];
        html << "<tr><td>piece-" << i + 1 << ".mid (seed " << p.seed << ")</td><td>" << gf[i].notes << "</td><td>"
             << gf[i].pitch_count << "</td><td>" << gf[i].pitch_range << "</td><td>" << fixed(gf[i].pitch_interval, 2)
             << "</td><td>" << fixed(gf[i].inter_onset, 2) << "</td><td>" << p.copied.length
             << (p.copied.length ? " (" + html_escape(corpus.songs[p.copied.song].name) + ")" : std::string())
             << "</td><td>" << p.repeated.length
             << (p.repeated.token >= 0 ? " &times; " + html_escape(k.vocabulary.decode(p.repeated.token)) : std::string())
             << "</td></tr>\n";
    }
    html << "</table>\n";
    if (!wavs.empty()) {
        html << "<h2>Listen</h2>\n";
        for (const auto& w : wavs)
            html << "<p>" << w << "<br><audio controls preload=\"none\" src=\"" << w << "\"></audio></p>\n";
    }
    html << "<h2>Figures</h2>\n";
    for (const auto& f : figs)
        html << "<figure><img alt=\"" << html_escape(f.file) << "\" src=\"data:image/svg+xml;base64," << base64(f.svg)
             << "\"><figcaption>" << html_escape(f.caption) << " (" << f.file << ".svg)</figcaption></figure>\n";
    if (!sheet_png.empty())
        html << "<h2>Sheet music (Fig. 15, 16)</h2>\n<figure><img alt=\"sheet\" src=\"data:image/png;base64,"
             << base64(read_file(sheet_png)) << "\"><figcaption>Piece 1, first page, engraved by LilyPond from "
             << "piece-1.musicxml (sheet.pdf has every page)</figcaption></figure>\n";
    else
        html << "<p>Sheet music: piece-1.musicxml (no engraving: LilyPond missing or failed).</p>\n";
    html << "</body></html>\n";
    write("index.html", html.str());
    fs::remove_all(work, ec);

    std::printf("composed %zu pieces of %d tokens from %s (seeds %llu..%llu, %s)\n", pieces.size(),
                req.length, ckpt.string().c_str(), (unsigned long long)req.seed,
                (unsigned long long)(req.seed + uint64_t(std::max(0, req.pieces - 1))),
                sampling_words.c_str());
    for (size_t i = 0; i < pieces.size(); ++i)
        std::printf("piece %zu: %d notes, %g distinct pitches, longest copy %zu tokens, longest repeat %zu\n", i + 1,
                    gf[i].notes, gf[i].pitch_count, pieces[i].copied.length, pieces[i].repeated.length);
    std::printf("report written: %s\n", (out / "index.html").string().c_str());
    return 0;
}

}  // namespace cadenza::app
