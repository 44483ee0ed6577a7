// examples/cadenza-music/lib/report/report.cpp: see report.hpp. The report
// is made in steps: find the run's files, load the training data, compose
// the pieces, draw the figures, engrave, render audio, then write metrics.json
// and the page.
#include "report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../checkpoint.hpp"
#include "../generation.hpp"
#include "../history.hpp"
#include "analysis.hpp"
#include "cadenza/io/container.hpp"
#include "cadenza/music/pitch_names.hpp"
#include "evaluation.hpp"
#include "html_page.hpp"
#include "metrics.hpp"
#include "musicxml.hpp"
#include "svg_plot.hpp"
#include "tools.hpp"

namespace cadenza::app {

namespace {

namespace fs = std::filesystem;

const char* kSoundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
constexpr int kTicksPerQuarter = 480;  // tokens_to_notes writes 480 ticks per quarter

// Where the report reads and writes.
struct ReportFiles {
    fs::path run, checkpoint, out, work;  // work: the scratch folder, removed at the end
};

ReportFiles find_files(const ReportRequest& req) {
    ReportFiles f;
    f.run = req.run_dir;
    CADENZA_CHECK(fs::is_directory(f.run), req.run_dir, ": no such run folder");
    f.checkpoint = f.run / "best.ckpt";
    if (!req.checkpoint.empty()) {
        f.checkpoint = req.checkpoint;
        CADENZA_CHECK(fs::is_regular_file(f.checkpoint), req.checkpoint,
                      ": no such checkpoint file");
    } else if (!fs::exists(f.checkpoint)) {
        f.checkpoint = f.run / "last.ckpt";
    }
    CADENZA_CHECK(
        fs::exists(f.checkpoint), req.run_dir,
        ": holds neither best.ckpt nor last.ckpt; give a run folder made by `cadenza-music train`");
    f.out = req.out_dir.empty() ? f.run / "report" : fs::path(req.out_dir);
    std::error_code ec;
    fs::create_directories(f.out, ec);
    CADENZA_CHECK(!ec, f.out.string(), ": cannot create the report folder (", ec.message(), ")");
    // Absolute: the LilyPond step runs from inside it.
    f.work = fs::absolute(f.out / ".work");
    fs::remove_all(f.work, ec);
    fs::create_directories(f.work, ec);
    CADENZA_CHECK(!ec, f.work.string(), ": cannot create a scratch folder (", ec.message(), ")");
    return f;
}

// The training data, when its corpus is still where the run found it, as
// notes decoded the way generated tokens are, so both sides of every
// comparison went through the same decoder.
struct TrainingData {
    bool present = false;
    Corpus corpus;
    std::vector<std::vector<midi::Note>> notes;
    std::vector<std::vector<int>> ids;
    std::vector<std::string> tokens;
};

TrainingData load_training_data(const Checkpoint& k) {
    TrainingData t;
    if (k.settings.corpus.empty() || !fs::exists(k.settings.corpus)) {
        std::printf(
            "notice: the run's corpus %s is missing; no training-data plots or comparison\n",
            k.settings.corpus.empty() ? "(not recorded)" : k.settings.corpus.c_str());
        return t;
    }
    t.corpus = load_corpus(k.settings.corpus);
    t.present = t.corpus.vocabulary.is_prefix_of(k.vocabulary);  // a run may add tokens (transposition)
    if (!t.present) {
        std::printf(
            "notice: %s has another vocabulary than the checkpoint; no training-data plots or "
            "comparison\n",
            k.settings.corpus.c_str());
        return t;
    }
    for (const auto& song : t.corpus.songs) {
        auto tokens = t.corpus.vocabulary.decode(song.ids);
        int dropped = 0;
        try {
            t.notes.push_back(tokens_to_notes(tokens, k.encoding, 0, dropped));
        } catch (const Error&) {
            continue;  // a token the decoder cannot play: leave the song out of the comparison
        }
        t.ids.push_back(song.ids);
        t.tokens.insert(t.tokens.end(), tokens.begin(), tokens.end());
    }
    return t;
}

struct Piece {
    std::vector<std::string> tokens;
    std::vector<midi::Note> notes;
    PieceRow row;
};

std::vector<Piece> compose_pieces(Checkpoint& k, const ReportRequest& req, const ReportFiles& files,
                                  const TrainingData& training) {
    std::vector<Piece> pieces;
    for (int i = 0; i < req.pieces; ++i) {
        GenerateRequest g;
        g.checkpoint = files.checkpoint.string();
        g.length = req.length;
        g.sampling.temperature = req.argmax ? 0.0 : 1.0;
        g.sampling.top_p = req.argmax ? 1.0 : 0.95;
        g.sampling.seed = req.seed + uint64_t(i);
        Piece p;
        p.tokens = compose(k, g).tokens;
        const std::vector<int> ids = k.vocabulary.encode(p.tokens);
        int dropped = 0;
        p.notes = tokens_to_notes(p.tokens, k.encoding, 0, dropped);
        p.row.file = "piece-" + std::to_string(i + 1) + ".mid";
        p.row.seed = g.sampling.seed;
        p.row.features = piece_features(p.notes, kTicksPerQuarter);
        const CopiedPassage copied = longest_copied_passage(ids, training.ids);
        p.row.copied = copied.length;
        if (copied.length > 0) p.row.copied_from = training.corpus.songs[copied.song].name;
        const RepeatedRun repeated = longest_repeated_run(ids);
        p.row.repeated = repeated.length;
        if (repeated.token >= 0) p.row.repeated_token = k.vocabulary.decode(repeated.token);
        write_piece((files.out / p.row.file).string(), p.notes, 120);
        pieces.push_back(std::move(p));
    }
    return pieces;
}

std::vector<double> shares(const std::array<int64_t, 128>& hist, int lo, int hi) {
    double total = 0;
    for (int p = lo; p <= hi; ++p) total += double(hist[size_t(p)]);
    std::vector<double> v;
    for (int p = lo; p <= hi; ++p) v.push_back(total > 0 ? double(hist[size_t(p)]) / total : 0.0);
    return v;
}

// Training curves (the paper's Figs. 8-11) and piano rolls (Fig. 5).
void curve_and_roll_figures(const ReportRequest& req, const ReportFiles& files, const Checkpoint& k,
                            const TrainingData& training, const std::vector<Piece>& pieces,
                            std::vector<Figure>& figs) {
    // A chosen checkpoint shows the curves up to its own epoch (the paper's
    // Figs. 10-11 for 40 epochs); otherwise the run's whole history.
    const bool run_history = req.checkpoint.empty() && fs::exists(files.run / "history.csv");
    History h = parse_history(run_history ? io::read_file((files.run / "history.csv").string()) : k.progress.history_csv);
    if (run_history && !is_plausible(h)) {
        std::printf("notice: %s is damaged (epochs out of order or numbers that are not); the curves show the "
                    "checkpoint's own history instead\n",
                    (files.run / "history.csv").string().c_str());
        h = parse_history(k.progress.history_csv);
    }
    if (!h.epoch.empty()) {
        figs.push_back(
            {"accuracy", "Training and validation accuracy per epoch", accuracy_chart(h)});
        figs.push_back({"loss", "Training and validation loss per epoch", loss_chart(h)});
    }
    if (training.present && !training.notes.empty()) {
        size_t longest = 0;  // the longest song shows the most
        for (size_t s = 1; s < training.notes.size(); ++s)
            if (training.notes[s].size() > training.notes[longest].size()) longest = s;
        const std::string& name = training.corpus.songs[longest].name;
        figs.push_back({"roll-training",
                        "Piano roll of training song '" + name +
                            "' (first 32 bars), 16 steps per quarter note",
                        svg::piano_roll_image(piano_roll(training.notes[longest], kTicksPerQuarter),
                                              "Training song: " + name + " (Fig. 5)")});
    }
    if (!pieces.empty())
        figs.push_back(
            {"roll-generated",
             "Piano roll of generated piece 1 (first 32 bars), 16 steps per quarter note",
             svg::piano_roll_image(piano_roll(pieces[0].notes, kTicksPerQuarter),
                                   "Generated piece 1")});
}

svg::BarChart top_tokens_chart(const std::string& title, const std::vector<std::string>& tokens) {
    svg::BarChart chart{title, "token", "count", {}, {}};
    for (const auto& [t, c] : token_frequencies(tokens, 30))
        chart.labels.push_back(t), chart.values.push_back(double(c));
    return chart;
}

// Pitch and token distributions, training against generated (Figs. 5, 6, 12-14).
void distribution_figures(const TrainingData& training, const std::vector<Piece>& pieces,
                          std::vector<Figure>& figs) {
    std::vector<midi::Note> generated;
    std::vector<std::string> generated_tokens;
    for (const auto& p : pieces) {
        generated.insert(generated.end(), p.notes.begin(), p.notes.end());
        generated_tokens.insert(generated_tokens.end(), p.tokens.begin(), p.tokens.end());
    }
    std::array<int64_t, 128> train_hist{}, gen_hist = pitch_histogram(generated);
    for (const auto& n : training.notes) {
        const auto h = pitch_histogram(n);
        for (size_t p = 0; p < 128; ++p) train_hist[p] += h[p];
    }
    int lo = 127, hi = 0;
    for (int p = 0; p < 128; ++p)
        if (train_hist[size_t(p)] + gen_hist[size_t(p)] > 0)
            lo = std::min(lo, p), hi = std::max(hi, p);
    if (lo > hi) lo = 48, hi = 84;
    lo = std::max(0, lo - 2);
    hi = std::min(127, hi + 2);
    std::vector<std::string> pitch_labels;
    for (int p = lo; p <= hi; ++p) pitch_labels.push_back(p % 12 == 0 ? music::pitch_name(p) : "");
    if (training.present) {
        svg::OverlaidHistogram ph{"MIDI pitch distribution of the training songs (Fig. 5)",
                                  "pitch",
                                  "notes",
                                  pitch_labels,
                                  {}};
        std::vector<double> counts;
        for (int p = lo; p <= hi; ++p) counts.push_back(double(train_hist[size_t(p)]));
        ph.series.push_back({"training", {}, counts});
        figs.push_back({"pitch-histogram", "How often each MIDI pitch sounds in the training songs",
                        svg::overlaid_histogram(ph)});
        figs.push_back(
            {"top-tokens", "The 30 most frequent tokens of the training data",
             svg::bar_chart(top_tokens_chart("Most frequent tokens in the training songs (Fig. 6)",
                                             training.tokens))});
        svg::OverlaidHistogram cmp{"Pitch distribution: generated vs training (Fig. 13, 14)",
                                   "pitch",
                                   "share of notes",
                                   pitch_labels,
                                   {}};
        cmp.series.push_back({"training", {}, shares(train_hist, lo, hi)});
        cmp.series.push_back({"generated", {}, shares(gen_hist, lo, hi)});
        figs.push_back({"pitch-compare",
                        "Share of notes per pitch, generated pieces over training songs",
                        svg::overlaid_histogram(cmp)});
        std::array<int64_t, 128> tpc{}, gpc{};
        for (int p = 0; p < 128; ++p)
            tpc[size_t(p % 12)] += train_hist[size_t(p)],
                gpc[size_t(p % 12)] += gen_hist[size_t(p)];
        svg::OverlaidHistogram pc{
            "Pitch classes: generated vs training", "pitch class", "share of notes", {}, {}};
        for (int c = 0; c < 12; ++c) pc.bin_labels.push_back(music::pitch_class_name(c));
        pc.series.push_back({"training", {}, shares(tpc, 0, 11)});
        pc.series.push_back({"generated", {}, shares(gpc, 0, 11)});
        figs.push_back(
            {"pitch-class-compare", "Share of notes per pitch class", svg::overlaid_histogram(pc)});
    }
    figs.push_back(
        {"generated-tokens", "The 30 most frequent tokens of all generated pieces",
         svg::bar_chart(top_tokens_chart("Most frequent tokens in the generated pieces (Fig. 12)",
                                         generated_tokens))});
    svg::BarChart ub{"Unique pitches per piece", "piece", "distinct MIDI pitches", {}, {}};
    if (!training.notes.empty()) {
        double mean = 0;
        for (const auto& n : training.notes)
            mean += unique_pitch_count(n) / double(training.notes.size());
        ub.labels.push_back("training (mean)");
        ub.values.push_back(mean);
    }
    for (size_t i = 0; i < pieces.size(); ++i) {
        ub.labels.push_back("piece " + std::to_string(i + 1));
        ub.values.push_back(unique_pitch_count(pieces[i].notes));
    }
    figs.push_back({"unique-pitches",
                    "Distinct pitches in each generated piece (and a training song on average)",
                    svg::bar_chart(ub)});
}

// SVG files, and PNG copies when rsvg-convert (or else chromium) exists.
void write_figures(const std::vector<Figure>& figs, const ReportFiles& files) {
    const bool rsvg = have_tool("rsvg-convert"), chromium = have_tool("chromium");
    if (!rsvg && !chromium)
        std::printf(
            "notice: neither rsvg-convert nor chromium installed; SVG plots only, no PNG\n");
    const std::string log = (files.work / "png.log").string();
    for (const auto& f : figs) {
        const fs::path svg_path = files.out / (f.file + ".svg"),
                       png_tmp = files.work / (f.file + ".png");
        io::write_file_atomically(svg_path.string(), f.svg);
        bool ok = false;
        if (rsvg)
            ok = run_tool(
                {"rsvg-convert", "-b", "white", "-o", png_tmp.string(), svg_path.string()}, log);
        else if (chromium)
            ok = run_tool(
                {"chromium", "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                 "--window-size=900,400", "--screenshot=" + png_tmp.string(),
                 "file://" + fs::absolute(svg_path).string()},
                log);
        if (ok) move_into_place(png_tmp, files.out / (f.file + ".png"));
    }
}

// piece-1.musicxml, and LilyPond's engraving of it; returns the first
// page's PNG bytes ("" when not engraved).
std::string engrave_sheet(const Piece& piece, const ReportFiles& files) {
    MusicXmlOptions mx;
    mx.title = "Cadenza, piece 1 (seed " + std::to_string(piece.row.seed) + ")";
    const fs::path xml = files.out / "piece-1.musicxml";
    io::write_file_atomically(xml.string(), musicxml(piece.notes, kTicksPerQuarter, mx));
    if (!have_tool("musicxml2ly") || !have_tool("lilypond")) {
        std::printf("notice: lilypond not installed; no sheet music\n");
        return "";
    }
    const std::string log = (files.work / "lilypond.log").string();
    const bool ok = run_tool({"musicxml2ly", "--no-beaming", "-o",
                              (files.work / "sheet.ly").string(), xml.string()},
                             log) &&
                    run_tool({"lilypond", "-dno-point-and-click", "-dresolution=100", "--pdf",
                              "--png", "-o", "sheet", "sheet.ly"},
                             log, files.work.string());
    if (!ok) {
        std::printf("notice: lilypond could not engrave the sheet music (%s); no sheet music\n",
                    last_line(log).c_str());
        return "";
    }
    move_into_place(files.work / "sheet.pdf", files.out / "sheet.pdf");
    // One page: sheet.png; several: sheet-page1.png, ... (the first is shown)
    if (move_into_place(files.work / "sheet.png", files.out / "sheet.png") ||
        move_into_place(files.work / "sheet-page1.png", files.out / "sheet.png"))
        return io::read_file((files.out / "sheet.png").string());
    return "";
}

// piece-K.wav by FluidSynth; returns the files rendered.
std::vector<std::string> render_audio(const std::vector<Piece>& pieces, const ReportFiles& files) {
    std::vector<std::string> wavs;
    if (!have_tool("fluidsynth") || !fs::exists(kSoundfont)) {
        std::printf("notice: %s; no audio\n",
                    have_tool("fluidsynth") ? "the soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2 "
                                              "(fluid-soundfont-gm) is missing"
                                            : "fluidsynth not installed");
        return wavs;
    }
    const std::string log = (files.work / "fluidsynth.log").string();
    for (size_t i = 0; i < pieces.size(); ++i) {
        const std::string name = "piece-" + std::to_string(i + 1);
        const fs::path tmp = files.work / (name + ".wav");
        if (run_tool({"fluidsynth", "-ni", "-q", "-g", "0.6", "-r", "22050", "-F", tmp.string(),
                      kSoundfont, (files.out / (name + ".mid")).string()},
                     log) &&
            move_into_place(tmp, files.out / (name + ".wav")))
            wavs.push_back(name + ".wav");
        else
            std::printf("notice: fluidsynth could not render %s.mid (%s); no audio for it\n",
                        name.c_str(), last_line(log).c_str());
    }
    return wavs;
}

// A number for JSON: finite values, else null.
nlohmann::ordered_json json_number(double v) {
    return std::isfinite(v) ? nlohmann::ordered_json(v) : nullptr;
}

std::string metrics_json(const ReportRequest& req, const ReportFiles& files, const Checkpoint& k,
                         const TrainingData& training, const std::vector<Agreement>& agreement,
                         const std::vector<Piece>& pieces) {
    using json = nlohmann::ordered_json;
    json j;
    j["checkpoint"] = files.checkpoint.filename().string();
    j["epochs"] = k.progress.epoch;
    j["sampling"] = {{"temperature", req.argmax ? 0 : 1},
                     {"top_p", req.argmax ? 1.0 : 0.95},
                     {"length", req.length}};
    j["training_songs"] = training.notes.size();
    j["set_comparison"] = json::array();
    for (const auto& a : agreement)
        j["set_comparison"].push_back({{"feature", a.feature},
                                       {"training", json_number(a.training_mean)},
                                       {"generated", json_number(a.generated_mean)},
                                       {"overlapped_area", json_number(a.overlapped_area)},
                                       {"kl_divergence", json_number(a.kl_divergence)}});
    j["pieces"] = json::array();
    for (const auto& p : pieces) {
        const PieceFeatures& f = p.row.features;
        json piece = {{"file", p.row.file},
                      {"seed", p.row.seed},
                      {"tokens", p.tokens.size()},
                      {"notes", f.notes},
                      {"pitch_count", json_number(f.pitch_count)},
                      {"pitch_range", json_number(f.pitch_range)},
                      {"average_pitch_interval", json_number(f.pitch_interval)},
                      {"inter_onset_interval", json_number(f.inter_onset)},
                      {"longest_copied_passage", p.row.copied}};
        if (p.row.copied > 0) piece["copied_from"] = p.row.copied_from;
        piece["longest_repeated_run"] = p.row.repeated;
        piece["repeated_token"] = p.row.repeated_token;
        j["pieces"].push_back(piece);
    }
    return j.dump(2) + "\n";
}

std::vector<std::pair<std::string, std::string>> page_summary(const ReportRequest& req,
                                                              const ReportFiles& files,
                                                              const Checkpoint& k,
                                                              const TrainingData& training,
                                                              size_t piece_count) {
    const std::string corpus =
        k.settings.corpus +
        (training.present ? " (" + std::to_string(training.corpus.songs.size()) + " songs, " +
                                std::to_string(training.corpus.token_count()) + " tokens)"
                          : std::string(" (missing)"));
    return {
        {"run folder", fs::absolute(files.run).string()},
        {"checkpoint", files.checkpoint.filename().string() + " (best epoch " +
                           std::to_string(k.progress.best_epoch) + " of " +
                           std::to_string(k.progress.epoch) + " trained)"},
        {"model", std::string(model_name(k.settings.model)) + ", " +
                      std::to_string(k.settings.lstm_units()) + " LSTM units, window " +
                      std::to_string(k.settings.seq_len) + " tokens"},
        {"encoding", std::string(encoding_name(k.encoding)) + ", vocabulary " +
                         std::to_string(k.vocabulary.size()) + " tokens"},
        {"corpus", corpus},
        {"generated", std::to_string(piece_count) + " pieces of " + std::to_string(req.length) +
                          " tokens, seeds " + std::to_string(req.seed) + ".." +
                          std::to_string(req.seed + uint64_t(std::max(0, req.pieces - 1))) +
                          (req.argmax ? ", argmax (the paper's decoding)"
                                      : ", sampling at temperature 1 from the top-p 0.95 nucleus")},
    };
}


// Removes the scratch folder however the report ends.
struct ScratchFolder {
    fs::path path;
    ~ScratchFolder() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

}  // namespace

int run_report(const ReportRequest& req) {
    const ReportFiles files = find_files(req);
    const ScratchFolder scratch{files.work};
    Checkpoint k =
        load_checkpoint(files.checkpoint.string(), make_backend(Device::cpu, req.threads));
    const TrainingData training = load_training_data(k);
    const std::vector<Piece> pieces = compose_pieces(k, req, files, training);

    std::vector<Figure> figures;
    curve_and_roll_figures(req, files, k, training, pieces, figures);
    distribution_figures(training, pieces, figures);
    write_figures(figures, files);
    const std::string sheet = pieces.empty() ? "" : engrave_sheet(pieces[0], files);
    const std::vector<std::string> audio = render_audio(pieces, files);

    std::vector<PieceFeatures> tf, gf;
    for (const auto& n : training.notes) tf.push_back(piece_features(n, kTicksPerQuarter));
    for (const auto& p : pieces) gf.push_back(p.row.features);
    const std::vector<Agreement> agreement =
        training.present ? compare_sets(tf, gf) : std::vector<Agreement>{};
    io::write_file_atomically((files.out / "metrics.json").string(),
                              metrics_json(req, files, k, training, agreement, pieces));

    ReportPage page;
    page.title =
        files.run.filename().string().empty() ? req.run_dir : files.run.filename().string();
    page.summary = page_summary(req, files, k, training, pieces.size());
    page.agreement = agreement;
    for (const auto& p : pieces) page.pieces.push_back(p.row);
    page.audio = audio;
    page.figures = figures;
    page.sheet_png = sheet;
    if (training.present) {  // the evaluation table (no sampled pieces: the report has its own)
        EvaluateRequest er;
        er.checkpoint = files.checkpoint.string();
        er.corpus = k.settings.corpus;
        er.pieces = 0;
        er.threads = req.threads;
        try {
            page.evaluation = evaluation_text(evaluate(er));
        } catch (const Error& e) {
            std::printf("notice: no held-out evaluation: %s\n", e.what());
        }
    }
    io::write_file_atomically((files.out / "index.html").string(), render_page(page));

    std::printf("composed %zu pieces of %d tokens from %s (seeds %llu..%llu, %s)\n", pieces.size(),
                req.length, files.checkpoint.string().c_str(), (unsigned long long)req.seed,
                (unsigned long long)(req.seed + uint64_t(std::max(0, req.pieces - 1))),
                req.argmax ? "argmax, the paper's decoding" : "temperature 1, top-p 0.95");
    for (size_t i = 0; i < pieces.size(); ++i)
        std::printf(
            "piece %zu: %d notes, %g distinct pitches, longest copy %zu tokens, longest repeat "
            "%zu\n",
            i + 1, gf[i].notes, gf[i].pitch_count, pieces[i].row.copied, pieces[i].row.repeated);
    std::printf("report written: %s\n", (files.out / "index.html").string().c_str());
    return 0;
}

}  // namespace cadenza::app
