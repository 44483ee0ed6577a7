// examples/music/train.hpp: `cadenza-music train`: fit, checkpoint, resume, stop early.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "batches.hpp"
#include "checkpoint.hpp"
#include "curves.hpp"
#include "corpus.hpp"
#include "device.hpp"
#include "models.hpp"
#include "progress_bar.hpp"

namespace cadenza::app {

struct TrainRequest {
    std::string corpus;   // may be empty with resume (then the run's own)
    std::string run_dir;
    bool resume = false;
    Settings settings;    // ignored when resuming, except threads and epochs
    bool epochs_given = false;
    bool threads_given = false;
    std::string device = "cpu";  // cpu | cuda (device.hpp)
};

// The data of a run, cut the same way every time from the corpus and the settings.
struct RunData {
    std::unique_ptr<music::SequenceDataset> dataset;
    std::unique_ptr<BatchSource<float>> train, validation;
    int validation_batch = 128;
    std::vector<std::vector<int>> seed_windows;
};

inline RunData make_run_data(const Corpus& corpus, const Settings& s) {
    RunData d;
    std::vector<std::vector<int>> songs;
    for (const auto& song : corpus.songs) songs.push_back(song.ids);
    d.dataset = std::make_unique<music::SequenceDataset>(songs, size_t(s.seq_len));
    const int V = int(corpus.vocabulary.size());
    CADENZA_CHECK(s.val_fraction >= 0 && s.val_fraction < 1, "--val-fraction must be in [0, 1), got ",
                  s.val_fraction);
    music::SequenceDataset::Split split;
    if (s.split == "songs") split = d.dataset->split_songs(s.val_fraction, s.seed);
    else if (s.split == "windows") split = d.dataset->split_shuffled_windows(s.val_fraction, s.seed);
    else throw Error("--split must be songs or windows, got '" + s.split + "'");

    // Seed windows for generation: up to 32 training windows spread evenly.
    for (size_t k = 0; k < 32 && !split.train.empty(); ++k) {
        const auto& w = split.train[k * split.train.size() / 32];
        auto [b, e] = d.dataset->inputs(w);
        d.seed_windows.emplace_back(b, e);
    }
    if (s.model == "paper") {
        CADENZA_CHECK(!split.train.empty(), "the corpus has no song longer than --seq-len ", s.seq_len,
                      " tokens, so there is no training window; use a shorter --seq-len");
        d.train = std::make_unique<WindowBatches>(*d.dataset, split.train, V);
        if (!split.validation.empty())
            d.validation = std::make_unique<WindowBatches>(*d.dataset, split.validation, V);
        d.validation_batch = s.batch;
        return d;
    }
    // Stream model: the songs of each side, concatenated, in lanes.
    std::vector<bool> is_valid(songs.size(), false);
    for (const auto& w : split.validation) is_valid[w.song] = true;
    std::vector<int> train_stream, valid_stream;
    for (size_t i = 0; i < songs.size(); ++i) {
        auto& dst = (s.split == "songs" && is_valid[i]) ? valid_stream : train_stream;
        dst.insert(dst.end(), songs[i].begin(), songs[i].end());
    }
    if (s.split == "windows") {  // the last fraction of the stream validates
        size_t cut = size_t(double(train_stream.size()) * (1.0 - s.val_fraction));
        valid_stream.assign(train_stream.begin() + long(cut), train_stream.end());
        train_stream.resize(cut);
    }
    auto lanes = std::make_unique<LaneBatches>(train_stream, s.batch, s.seq_len);
    CADENZA_CHECK(lanes->size() > 0, "the training tokens (", train_stream.size(), ") are too few for ",
                  s.batch, " lanes of ", s.seq_len, " steps; use a smaller --batch or --seq-len");
    d.train = std::move(lanes);
    int vlanes = int(std::min<int64_t>(s.batch, int64_t(valid_stream.size()) / (s.seq_len + 1)));
    if (vlanes > 0) {
        d.validation = std::make_unique<LaneBatches>(valid_stream, vlanes, s.seq_len);
        d.validation_batch = vlanes;
    }
    return d;
}

inline const char* history_header() {
    return "epoch,loss,accuracy,top5_accuracy,val_loss,val_accuracy,val_top5_accuracy,seconds\n";
}

inline int run_train(const TrainRequest& req) {
    namespace fs = std::filesystem;
    const std::string last = (fs::path(req.run_dir) / "last.ckpt").string();
    const std::string best = (fs::path(req.run_dir) / "best.ckpt").string();
    const std::string history_path = (fs::path(req.run_dir) / "history.csv").string();

    Settings s = req.settings;
    Progress progress;
    std::unique_ptr<Sequential<float>> model;
    Corpus corpus;
    auto backend = make_backend(req.device, req.settings.threads);

    if (req.resume) {
        CADENZA_CHECK(fs::exists(last), req.run_dir, ": nothing to resume (no last.ckpt in the folder)");
        Checkpoint k = load_checkpoint(last, backend);
        s = k.settings;
        if (req.epochs_given) s.epochs = req.settings.epochs;
        if (req.threads_given) s.threads = req.settings.threads;
        progress = k.progress;
        const std::string corpus_path = req.corpus.empty() ? s.corpus : req.corpus;
        corpus = load_corpus(corpus_path);
        CADENZA_CHECK(corpus.vocabulary.tokens() == k.vocabulary.tokens(), corpus_path,
                      ": its vocabulary (", corpus.vocabulary.size(), " tokens) is not the one the run in ",
                      req.run_dir, " was trained with (", k.vocabulary.size(), " tokens)");
        model = std::move(k.model);
        std::fprintf(stderr, "resuming %s after epoch %d of %d\n", req.run_dir.c_str(), progress.epoch, s.epochs);
    } else {
        CADENZA_CHECK(!fs::exists(last), req.run_dir,
                      ": already holds a run (last.ckpt); use --resume to continue it or choose another folder");
        corpus = load_corpus(req.corpus);
        s.corpus = fs::absolute(req.corpus).string();
        std::error_code ec;
        fs::create_directories(req.run_dir, ec);
        CADENZA_CHECK(!ec, req.run_dir, ": cannot create the folder (", ec.message(), ")");
        model = build_model(s, int(corpus.vocabulary.size()), backend);
        progress.history_csv = history_header();
    }
    RunData data = make_run_data(corpus, s);
    std::printf("%s\n", model->summary().c_str());
    std::printf("corpus: %zu songs, %lld tokens, vocabulary %zu (%s encoding)\n", corpus.songs.size(),
                (long long)corpus.token_count(), corpus.vocabulary.size(), encoding_name(corpus.encoding));
    std::printf("training %s model: %lld samples, validation %lld (split by %s), batch %d, %s\n",
                s.model.c_str(), (long long)data.train->size(),
                (long long)(data.validation ? data.validation->size() : 0), s.split.c_str(), s.batch,
                describe_backend(*backend).c_str());
    std::fflush(stdout);
    if (progress.epoch >= s.epochs) {
        std::printf("the run already finished its %d epochs\n", s.epochs);
        return 0;
    }

    ProgressBar bar(s.epochs);
    FitOptions o;
    o.batch_size = s.batch;
    o.epochs = s.epochs;
    o.initial_epoch = progress.epoch;
    o.shuffle = s.model == "paper";
    o.on_batch = [&](const BatchProgress& p) { bar.update(p); };
    bool stopped_early = false;
    o.on_epoch = [&](const EpochStats& e) {
        bar.finish();
        progress.epoch = e.epoch;
        char line[256];
        std::snprintf(line, sizeof line, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f\n", e.epoch, e.loss, e.accuracy,
                      e.top_k_accuracy, e.has_validation ? e.val_loss : NAN,
                      e.has_validation ? e.val_accuracy : NAN, e.has_validation ? e.val_top_k_accuracy : NAN,
                      e.seconds);
        progress.history_csv += line;
        const double monitored = e.has_validation ? e.val_loss : e.loss;
        bool improved = monitored < progress.best_val_loss;
        if (improved) {
            progress.best_val_loss = monitored;
            progress.best_epoch = e.epoch;
            progress.epochs_without_improvement = 0;
        } else {
            ++progress.epochs_without_improvement;
        }
        save_checkpoint(last, *model, corpus, s, progress, data.seed_windows);
        if (improved) save_checkpoint(best, *model, corpus, s, progress, data.seed_windows);
        io::write_file_atomically(history_path, progress.history_csv);
        const History curves = parse_history(progress.history_csv);
        io::write_file_atomically((fs::path(req.run_dir) / "accuracy.svg").string(), accuracy_chart(curves));
        io::write_file_atomically((fs::path(req.run_dir) / "loss.svg").string(), loss_chart(curves));
        if (e.has_validation)
            std::printf("epoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  %.1fs%s\n", e.epoch,
                        s.epochs, e.loss, e.accuracy, e.val_loss, e.val_accuracy, e.seconds,
                        improved ? "  (best)" : "");
        else
            std::printf("epoch %d/%d  loss %.4f  acc %.4f  %.1fs\n", e.epoch, s.epochs, e.loss, e.accuracy,
                        e.seconds);
        std::fflush(stdout);
        if (s.patience > 0 && progress.epochs_without_improvement >= s.patience) {
            std::printf("stopping early: no improvement for %d epochs; best was epoch %d (%.4f)\n", s.patience,
                        progress.best_epoch, progress.best_val_loss);
            stopped_early = true;
            return false;
        }
        return true;
    };
    try {
        model->fit(*data.train, o, data.validation.get());
    } catch (const Error& e) {
        bar.finish();
        std::string what = e.what();
        if (what.find("the loss became") != std::string::npos) {
            std::fprintf(stderr,
                         "cadenza-music train: %s. The checkpoints of epoch %d in %s are untouched; "
                         "try a lower --lr or --clip-norm.\n",
                         what.c_str(), progress.epoch, req.run_dir.c_str());
            return 3;
        }
        throw;
    }
    std::printf("done: %s (last), %s (best, epoch %d), %s, accuracy.svg, loss.svg\n", last.c_str(), best.c_str(),
                progress.best_epoch, history_path.c_str());
    (void)stopped_early;
    return 0;
}

}  // namespace cadenza::app
