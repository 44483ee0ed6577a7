// examples/music/cadenza_music.cpp: the command-line music application.
//
//   cadenza-music prepare INPUT... -o CORPUS      MIDI files/folders -> tokens
//   cadenza-music train CORPUS -o RUN_DIR          the paper's model (or --model stream)
//   cadenza-music train --resume RUN_DIR           continue an interrupted run
//   cadenza-music generate CHECKPOINT -o OUT.mid   compose
//   cadenza-music summary CHECKPOINT | --vocab N   the Keras-style table
//   cadenza-music report RUN_DIR [-o DIR]          plots, metrics, sheet music, audio, HTML
//
// Every failure is one sentence on standard error and a non-zero exit status:
// 1 for bad input files, 2 for bad arguments, 3 for a diverging loss.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cadenza/music/analysis.hpp"
#include "cadenza/music/svg_plot.hpp"
#include "corpus.hpp"
#include "device.hpp"
#include "generate.hpp"
#include "models.hpp"
#include "report.hpp"
#include "train.hpp"

using namespace cadenza;
using namespace cadenza::app;

namespace {

int cmd_prepare(const std::vector<std::string>& inputs, const std::string& out, const std::string& encoding,
                const std::string& parts, int64_t min_count, bool no_rests) {
    Encoding enc = parse_encoding(encoding, "--encoding");
    auto files = find_midi_files(inputs);
    PrepareReport r;
    Corpus c = prepare_corpus(files, enc, !no_rests, parse_parts(parts, "--parts"), min_count, r);
    save_corpus(c, out);
    for (const auto& [file, why] : r.skipped) std::printf("skipped %s: %s\n", file.c_str(), why.c_str());
    std::printf("files:            %d read, %zu skipped\n", r.files_read, r.skipped.size());
    std::printf("notes:            %lld (%lld drum notes dropped)\n", (long long)r.notes, (long long)r.drum_notes);
    std::printf("tokens:           %lld (%s encoding%s)\n", (long long)r.tokens, encoding_name(enc),
                enc == Encoding::paper
                    ? (std::string(no_rests ? ", no rests" : ", with rests") +
                       (c.parts == Parts::first ? ", first instrument part" : ", all parts")).c_str()
                    : "");
    std::printf("vocabulary:       %zu%s\n", c.vocabulary.size(),
                c.vocabulary.has_unknown()
                    ? (" (tokens seen fewer than " + std::to_string(min_count) + " times folded into <unk>: " +
                       std::to_string(r.folded_tokens) + " occurrences)").c_str()
                    : "");
    std::printf("unique pitches:   %d\n", r.unique_pitches);
    std::printf("corpus written:   %s\n", out.c_str());
    return 0;
}

int cmd_summary(const std::string& checkpoint, int vocab, const Settings& s) {
    if (!checkpoint.empty()) {
        Checkpoint k = load_checkpoint(checkpoint, std::make_shared<EigenBackend<float>>(1));
        std::printf("%s", k.model->summary().c_str());
        std::printf("model %s, %s encoding, vocabulary %zu, trained %d epochs (best: epoch %d)\n",
                    k.settings.model.c_str(), encoding_name(k.encoding), k.vocabulary.size(), k.progress.epoch,
                    k.progress.best_epoch);
        return 0;
    }
    CADENZA_CHECK(vocab > 0, "summary needs a CHECKPOINT or --vocab N");
    auto m = build_model(s, vocab, std::make_shared<EigenBackend<float>>(1));
    std::printf("%s", m->summary().c_str());
    return 0;
}

int cmd_generate(GenerateRequest req) {
    auto backend = make_backend(req.device, req.threads);
    Checkpoint k = load_checkpoint(req.checkpoint, backend);
    GenerateResult g = compose(k, req);
    int dropped = 0;
    auto notes = tokens_to_notes(g.tokens, k.encoding, req.program, dropped);
    write_piece(req.output, notes, req.tempo_bpm);
    if (!req.plot.empty()) {  // the report's piano roll (Fig. 5 style), 16 steps per quarter
        io::write_file_atomically(req.plot, music::svg::piano_roll_image(music::piano_roll(notes, 480),
                                                                         "Piano roll: " + req.output));
        std::printf("wrote %s\n", req.plot.c_str());
    }
    std::printf("composed %zu tokens in %.3f s (%.0f tokens/s) with the %s model; %zu notes%s\n", g.tokens.size(),
                g.seconds, double(g.tokens.size()) / std::max(g.seconds, 1e-9), k.settings.model.c_str(),
                notes.size(), dropped ? (", " + std::to_string(dropped) + " <unk> tokens left silent").c_str() : "");
    std::printf("wrote %s\n", req.output.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"cadenza-music: learn music from MIDI files with an LSTM and compose new pieces"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "cadenza-music 0.1.0");

    // prepare
    auto* prepare = app.add_subcommand("prepare", "Read MIDI files and folders, tokenize them, save a corpus");
    std::vector<std::string> inputs;
    std::string corpus_out, encoding = "paper", parts = "first";
    int64_t min_count = 1;
    bool no_rests = false;
    prepare->add_option("INPUT", inputs, "MIDI files or folders (searched recursively)")->required();
    prepare->add_option("-o,--output", corpus_out, "Corpus file to write")->required();
    prepare->add_option("--encoding", encoding, "paper (the paper's notes/chords/rests) or rich (octaves and durations)")
        ->check(CLI::IsMember({"paper", "rich"}));
    prepare->add_option("--min-count", min_count, "Fold tokens seen fewer times into <unk>")->check(CLI::Range(int64_t(1), int64_t(1) << 40));
    prepare->add_flag("--no-rests", no_rests, "Paper encoding without rest tokens");
    prepare->add_option("--parts", parts,
                        "Paper encoding: first (music21's first instrument part, as the paper) or all (every track)")
        ->check(CLI::IsMember({"first", "all"}));

    // train
    auto* train = app.add_subcommand("train", "Train a model on a corpus; a checkpoint every epoch");
    TrainRequest treq;
    std::string resume_dir;
    train->add_option("CORPUS", treq.corpus, "Corpus made by `prepare` (with --resume: defaults to the run's)");
    train->add_option("-o,--output", treq.run_dir, "Run folder: checkpoints, history.csv");
    train->add_option("--resume", resume_dir, "Continue the interrupted run in this folder");
    train->add_option("--model", treq.settings.model, "paper (Fig. 7) or stream (Embedding + stateful LSTMs)")
        ->check(CLI::IsMember({"paper", "stream"}));
    auto* epochs_opt = train->add_option("--epochs", treq.settings.epochs, "Epochs")->check(CLI::Range(1, 1000000));
    auto* batch_opt = train->add_option("--batch", treq.settings.batch, "Batch size (default 128; stream model: 32 lanes)")
        ->check(CLI::Range(1, 65536));
    train->add_option("--seq-len", treq.settings.seq_len, "Window length in tokens")->check(CLI::Range(1, 100000));
    train->add_option("--split", treq.settings.split, "songs (seeded, whole songs) or windows (the paper's)")
        ->check(CLI::IsMember({"songs", "windows"}));
    train->add_option("--val-fraction", treq.settings.val_fraction, "Fraction held out for validation")
        ->check(CLI::Range(0.0, 0.9));
    train->add_option("--patience", treq.settings.patience, "Stop after this many epochs without a better validation loss")
        ->check(CLI::Range(0, 1000000));
    auto* threads_opt = train->add_option("--threads", treq.settings.threads, "Threads (0: all cores)")
        ->check(CLI::Range(0, 4096));
    train->add_option("--device", treq.device, "cpu, or cuda (builds with the CUDA backend)")
        ->check(CLI::IsMember({"cpu", "cuda"}));
    train->add_option("--seed", treq.settings.seed, "Seed of every random choice");
    train->add_option("--lr", treq.settings.lr, "Adam's learning rate")->check(CLI::Range(1e-9, 10.0));
    train->add_option("--clip-norm", treq.settings.clip_norm, "Clip gradients to this global norm (0: off)")
        ->check(CLI::Range(0.0, 1e9));
    train->add_option("--units", treq.settings.units, "LSTM units (default 128 paper, 256 stream)")
        ->check(CLI::Range(1, 8192));

    // generate
    auto* generate = app.add_subcommand("generate", "Compose a piece from a checkpoint");
    GenerateRequest greq;
    generate->add_option("CHECKPOINT", greq.checkpoint, "A .ckpt file from `train`")->required();
    generate->add_option("-o,--output", greq.output, "MIDI file to write")->required();
    generate->add_option("--length", greq.length, "Tokens to generate")->check(CLI::Range(1, 10000000));
    generate->add_option("--seed", greq.sampling.seed, "Seed: the same seed gives the same file");
    generate->add_option("--primer", greq.primer, "Start from this MIDI file instead of a training window");
    generate->add_option("--temperature", greq.sampling.temperature, "Sample at this temperature (default: argmax)")
        ->check(CLI::Range(0.01, 100.0));
    generate->add_option("--top-k", greq.sampling.top_k, "Sample among the k most likely")->check(CLI::Range(1, 1000000));
    generate->add_option("--top-p", greq.sampling.top_p, "Sample from the smallest set with this much probability")
        ->check(CLI::Range(0.01, 1.0));
    generate->add_option("--tempo", greq.tempo_bpm, "Beats per minute")->check(CLI::Range(10.0, 400.0));
    generate->add_option("--plot", greq.plot, "Also draw the piece's piano roll into this SVG file");
    generate->add_option("--program", greq.program, "General MIDI instrument, 0..127 (0: piano)")->check(CLI::Range(0, 127));
    generate->add_option("--threads", greq.threads, "Threads (0: all cores)")->check(CLI::Range(0, 4096));
    generate->add_option("--device", greq.device, "cpu, or cuda (builds with the CUDA backend)")
        ->check(CLI::IsMember({"cpu", "cuda"}));

    // report
    auto* report = app.add_subcommand("report", "Plots, metrics, sheet music, audio and one HTML page for a run");
    ReportRequest rreq;
    report->add_option("RUN_DIR", rreq.run_dir, "Run folder made by `train` (best.ckpt or last.ckpt)")->required();
    report->add_option("-o,--output", rreq.out_dir, "Report folder (default RUN_DIR/report)");
    report->add_option("--pieces", rreq.pieces, "Pieces to compose (temperature 1, top-p 0.95)")->check(CLI::Range(1, 1000));
    report->add_option("--length", rreq.length, "Tokens per piece")->check(CLI::Range(1, 1000000));
    report->add_option("--seed", rreq.seed, "Seed of the first piece; piece k uses seed + k - 1");
    report->add_option("--threads", rreq.threads, "Threads (0: all cores)")->check(CLI::Range(0, 4096));
    report->add_option("--checkpoint", rreq.checkpoint,
                       "Use this checkpoint (e.g. one kept after epoch 40) instead of RUN_DIR/best.ckpt");
    report->add_flag("--argmax", rreq.argmax, "Compose the paper's way: always the most likely token");

    // summary
    auto* summary = app.add_subcommand("summary", "Print a model's Keras-style summary");
    std::string summary_ckpt;
    int summary_vocab = 0;
    Settings summary_settings;
    summary->add_option("CHECKPOINT", summary_ckpt, "A .ckpt file");
    summary->add_option("--vocab", summary_vocab, "Build a fresh model for this vocabulary size instead")
        ->check(CLI::Range(1, 10000000));
    summary->add_option("--model", summary_settings.model, "paper or stream")->check(CLI::IsMember({"paper", "stream"}));
    summary->add_option("--seq-len", summary_settings.seq_len, "Window length")->check(CLI::Range(1, 100000));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;  // --help is not an error; every bad argument is 2
    }
    try {
        if (*prepare) return cmd_prepare(inputs, corpus_out, encoding, parts, min_count, no_rests);
        if (*train) {
            if (!resume_dir.empty()) {
                treq.resume = true;
                CADENZA_CHECK(treq.run_dir.empty() || treq.run_dir == resume_dir,
                              "give the run folder once: --resume RUN_DIR (not also -o)");
                treq.run_dir = resume_dir;
            } else {
                if (treq.corpus.empty() || treq.run_dir.empty()) {
                    std::fprintf(stderr, "cadenza-music train: needs CORPUS and -o RUN_DIR (or --resume RUN_DIR)\n");
                    return 2;
                }
            }
            // The stream model's batch is its number of parallel lanes through the
            // corpus: 128 lanes would leave a few updates per epoch on a small corpus.
            if (treq.settings.model == "stream" && batch_opt->count() == 0) treq.settings.batch = 32;
            treq.epochs_given = epochs_opt->count() > 0;
            treq.threads_given = threads_opt->count() > 0;
            return run_train(treq);
        }
        if (*generate) return cmd_generate(greq);
        if (*report) return run_report(rreq);
        if (*summary) {
            if (summary_ckpt.empty() && summary_vocab == 0) {
                std::fprintf(stderr, "cadenza-music summary: give a CHECKPOINT or --vocab N\n");
                return 2;
            }
            return cmd_summary(summary_ckpt, summary_vocab, summary_settings);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cadenza-music: %s\n", e.what());
        return 1;
    }
    return 0;
}
