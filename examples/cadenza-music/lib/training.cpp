// examples/cadenza-music/lib/training.cpp: see training.hpp.
#include "training.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "batches.hpp"
#include "cadenza/dist/data_parallel.hpp"
#include "cadenza/io/container.hpp"
#include "cadenza/io/files.hpp"
#include "cadenza/optim/schedule.hpp"
#include "checkpoint.hpp"
#include "history.hpp"
#include "models.hpp"
#include "progress_bar.hpp"
#include "run_folder.hpp"
#include "run_songs.hpp"

namespace cadenza::app {

namespace fs = std::filesystem;

namespace {

// The stream model's data: the songs of each side concatenated, in lanes.
void make_stream_data(const std::vector<std::vector<int>>& train_songs,
                      const std::vector<std::vector<int>>& valid_songs, const Settings& s, RunData& d) {
    std::vector<int> train_stream, valid_stream;
    for (const auto& song : train_songs) train_stream.insert(train_stream.end(), song.begin(), song.end());
    for (const auto& song : valid_songs) valid_stream.insert(valid_stream.end(), song.begin(), song.end());
    if (s.split == SplitKind::windows) {  // the last fraction of the stream validates
        const size_t cut = size_t(double(train_stream.size()) * (1.0 - s.val_fraction));
        valid_stream.assign(train_stream.begin() + long(cut), train_stream.end());
        train_stream.resize(cut);
    }
    auto lanes = std::make_unique<LaneBatches>(train_stream, s.batch, s.seq_len);
    CADENZA_CHECK(lanes->size() > 0, "the training tokens (", train_stream.size(),
                  ") are too few for ", s.batch, " lanes of ", s.seq_len,
                  " steps; use a smaller --batch or --seq-len");
    d.lanes = lanes.get();
    d.train = std::move(lanes);
    const int vlanes =
        int(std::min<int64_t>(s.batch, int64_t(valid_stream.size()) / (s.seq_len + 1)));
    if (vlanes > 0) {
        d.validation = std::make_unique<LaneBatches>(valid_stream, vlanes, s.seq_len);
        d.validation_batch = vlanes;
    }
}

// The files of a run folder.
struct RunFiles {
    std::string last, best, history;
    fs::path dir;
    explicit RunFiles(const std::string& run_dir)
        : last((fs::path(run_dir) / "last.ckpt").string()),
          best((fs::path(run_dir) / "best.ckpt").string()),
          history((fs::path(run_dir) / "history.csv").string()),
          dir(run_dir) {}
};

// What a run trains: its settings, model, corpus and progress so far.
struct Run {
    Settings settings;
    Progress progress;
    std::unique_ptr<Sequential<float>> model;
    Corpus corpus;
    music::Vocabulary vocabulary;  // a resumed run's, from its checkpoint
    std::shared_ptr<Backend<float>> backend;
};

// Threads of each rank: --threads, or the machine's cores shared by the
// ranks on it (0 with one rank: all cores).
int threads_per_rank(int threads, dist::Communicator& comm) {
    if (threads > 0 || comm.local_size() == 1) return threads;
    return std::max(1, int(std::thread::hardware_concurrency()) / comm.local_size());
}

// A resumed run from its last.ckpt, whose bytes rank 0 read and sent to every
// rank (epochs and threads may be changed; the run's own thread count
// otherwise), or a new one. Rank 0 holds the folder's lock.
Run open_run(const TrainRequest& req, const RunFiles& files, const std::string& checkpoint, dist::Communicator& comm) {
    Run run;
    const int gpu = comm.local_rank();
    if (req.resume) {
        const io::Container c = io::Container::parse(checkpoint, files.last);
        const Settings saved = Settings::parse(c.get("settings"), files.last + " (settings)");
        run.backend = make_backend(req.device, threads_per_rank(req.threads_given ? req.settings.threads : saved.threads, comm), gpu);
        Checkpoint k = load_checkpoint(c, run.backend);
        const int asked = req.settings.micro_batch > 0 ? req.settings.micro_batch : k.settings.batch;
        CADENZA_CHECK(!req.micro_batch_given || asked == k.settings.micro_batch_size(), req.run_dir,
                      ": the run trains in micro-batches of ", k.settings.micro_batch_size(),
                      " (its results depend on them); a resumed run keeps its own, so leave out --micro-batch");
        run.settings = k.settings;
        if (req.epochs_given) run.settings.epochs = req.settings.epochs;
        if (req.threads_given) run.settings.threads = req.settings.threads;
        run.progress = k.progress;
        const std::string corpus_path = req.corpus.empty() ? run.settings.corpus : req.corpus;
        run.corpus = load_corpus(corpus_path);
        CADENZA_CHECK(run.corpus.vocabulary.is_prefix_of(k.vocabulary), corpus_path, ": its vocabulary (",
                      run.corpus.vocabulary.size(), " tokens) is not the one the run in ", req.run_dir,
                      " was trained with (", k.vocabulary.size(), " tokens)");
        run.vocabulary = k.vocabulary;
        run.model = std::move(k.model);
        if (comm.rank() == 0)
            std::fprintf(stderr, "resuming %s after epoch %d of %d\n", req.run_dir.c_str(), run.progress.epoch,
                         run.settings.epochs);
        return run;
    }
    run.backend = make_backend(req.device, threads_per_rank(req.settings.threads, comm), gpu);
    run.settings = req.settings;
    // Several ranks share a new run's batches in micro-batches of batch / N
    // unless --micro-batch says otherwise (0: the whole batch, on one rank
    // while the others wait); the checkpoint records the choice.
    if (run.settings.micro_batch == 0 && comm.size() > 1 && !req.micro_batch_given)
        run.settings.micro_batch = (run.settings.batch + comm.size() - 1) / comm.size();
    run.corpus = load_corpus(req.corpus);
    run.settings.corpus = fs::absolute(req.corpus).string();
    run.progress.history_csv = history_header();
    return run;  // the model is built once the run's data (and vocabulary) are known
}

// A resumed run whose best.ckpt is gone: when the last epoch was the best,
// last.ckpt holds its weights and best.ckpt is written again from them.
void restore_best(Run& run, const RunData& data, const RunFiles& files) {
    if (run.progress.best_epoch == 0 || fs::exists(files.best)) return;
    if (run.progress.best_epoch == run.progress.epoch) {
        save_checkpoint(files.best, *run.model, run.corpus, run.settings, run.progress, data.seed_windows);
        std::fprintf(stderr, "best.ckpt was missing; written again from last.ckpt (epoch %d, the best)\n",
                     run.progress.epoch);
    } else {
        std::fprintf(stderr, "notice: best.ckpt (epoch %d) is missing; the next better epoch writes it\n",
                     run.progress.best_epoch);
    }
}

void print_run(const Run& run, const RunData& data, dist::Communicator& comm) {
    const Settings& s = run.settings;
    std::printf("%s\n", run.model->summary().c_str());
    std::printf("corpus: %zu songs, %lld tokens, vocabulary %zu (%s encoding)\n",
                run.corpus.songs.size(), (long long)run.corpus.token_count(),
                run.corpus.vocabulary.size(), encoding_name(run.corpus.encoding));
    if (s.transpose > 0 || s.key_normalize)
        std::printf("songs moved: %s%s%lld transposed copies of training songs; the run's vocabulary adds "
                    "the tokens they make\n",
                    s.key_normalize ? "every song to C major / A minor; " : "",
                    s.transpose > 0 ? ("training songs also -" + std::to_string(s.transpose) + "..+" +
                                       std::to_string(s.transpose) + " semitones, ")
                                          .c_str()
                                    : "",
                    (long long)data.augmented_copies);
    std::printf("training %s model%s: %lld samples, validation %lld (split by %s), batch %d, %s\n",
                model_name(s.model), s.cell == Settings::Cell::gru ? " (GRU)" : "", (long long)data.train->size(),
                (long long)(data.validation ? data.validation->size() : 0), split_name(s.split),
                s.batch, describe_backend(*run.backend).c_str());
    std::printf("settings: %d steps per window, lr %g%s, dropout %g, embedding dropout %g, weight decay %g, "
                "patience %d, %d epochs\n",
                s.seq_len, s.lr, s.schedule == Settings::Schedule::cosine ? " (cosine)" : "", s.dropout,
                s.embedding_dropout, s.weight_decay, s.patience, s.epochs);
    if (comm.size() > 1 || s.micro_batch > 0) {
        const dist::SlotLayout layout = dist::DataParallel<float>::slot_layout(s.batch, s.micro_batch_size(), comm.size());
        std::printf("data parallel: %d rank%s, micro-batches of %d samples (%lld per step); the results depend on "
                    "the micro-batch, not on the number of ranks\n",
                    comm.size(), comm.size() == 1 ? "" : "s", s.micro_batch_size(), (long long)layout.work());
        if (comm.size() > layout.work())
            std::printf("notice: %d ranks share %lld micro-batches per step; %lld of them only wait for the sum\n",
                        comm.size(), (long long)layout.work(), (long long)(comm.size() - layout.work()));
    }
    std::fflush(stdout);
}

// After each epoch: the history line, the checkpoints, the curves, one line
// of output; false stops the run (patience exhausted).
// Every rank keeps the progress (the same numbers, so that all stop together);
// only the writer (rank 0) writes and prints.
bool finish_epoch(const EpochStats& e, Run& run, const RunData& data, const RunFiles& files, bool writer) {
    Progress& progress = run.progress;
    const Settings& s = run.settings;
    progress.epoch = e.epoch;
    char line[256];
    std::snprintf(line, sizeof line, "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f\n", e.epoch, e.loss,
                  e.accuracy, e.top_k_accuracy, e.has_validation ? e.val_loss : NAN,
                  e.has_validation ? e.val_accuracy : NAN,
                  e.has_validation ? e.val_top_k_accuracy : NAN, e.seconds);
    progress.history_csv += line;
    const double monitored = e.has_validation ? e.val_loss : e.loss;
    const bool improved = monitored < progress.best_val_loss;
    if (improved) {
        progress.best_val_loss = monitored;
        progress.best_epoch = e.epoch;
        progress.epochs_without_improvement = 0;
    } else {
        ++progress.epochs_without_improvement;
    }
    const bool stop = s.patience > 0 && progress.epochs_without_improvement >= s.patience;
    if (!writer) return !stop;
    // best before last: whatever stops the process between the two, the best
    // epoch that last.ckpt's progress names has its best.ckpt on disk.
    if (improved) save_checkpoint(files.best, *run.model, run.corpus, s, progress, data.seed_windows);
    save_checkpoint(files.last, *run.model, run.corpus, s, progress, data.seed_windows);
    io::write_file_atomically(files.history, progress.history_csv);
    const History curves = parse_history(progress.history_csv);
    io::write_file_atomically((files.dir / "accuracy.svg").string(), accuracy_chart(curves));
    io::write_file_atomically((files.dir / "loss.svg").string(), loss_chart(curves));
    if (e.has_validation)
        std::printf("epoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  %.1fs%s\n",
                    e.epoch, s.epochs, e.loss, e.accuracy, e.val_loss, e.val_accuracy, e.seconds,
                    improved ? "  (best)" : "");
    else
        std::printf("epoch %d/%d  loss %.4f  acc %.4f  %.1fs\n", e.epoch, s.epochs, e.loss,
                    e.accuracy, e.seconds);
    std::fflush(stdout);
    if (stop) {
        std::printf("stopping early: no improvement for %d epochs; best was epoch %d (%.4f)\n",
                    s.patience, progress.best_epoch, progress.best_val_loss);
        return false;
    }
    return true;
}

}  // namespace

RunData make_run_data(const Corpus& corpus, const Settings& s) {
    RunData d;
    CADENZA_CHECK(s.val_fraction >= 0 && s.val_fraction < 1,
                  "--val-fraction must be in [0, 1), got ", s.val_fraction);
    std::vector<std::vector<int>> train_songs, valid_songs;
    if (s.split == SplitKind::songs) {
        RunSongs songs = make_run_songs(corpus, s);
        train_songs = std::move(songs.train);
        valid_songs = std::move(songs.validation);
        d.vocabulary = std::move(songs.vocabulary);
        d.augmented_copies = songs.augmented_copies;
    } else {
        CADENZA_CHECK(s.transpose == 0 && !s.key_normalize,
                      "--transpose and --key-normalize need --split songs (the paper's window split "
                      "mixes the held-out windows into the training songs)");
        d.vocabulary = corpus.vocabulary;
        for (const auto& song : corpus.songs) train_songs.push_back(song.ids);
    }
    const int V = int(d.vocabulary.size());
    d.dataset = std::make_unique<music::SequenceDataset>(train_songs, size_t(s.seq_len));
    music::SequenceDataset::Split split;
    if (s.split == SplitKind::songs) {
        split.train = d.dataset->windows();
        d.validation_dataset = std::make_unique<music::SequenceDataset>(valid_songs, size_t(s.seq_len));
    } else {
        split = d.dataset->split_shuffled_windows(s.val_fraction, s.seed);
    }
    // Seed windows for generation: up to 32 training windows spread evenly.
    for (size_t k = 0; k < 32 && !split.train.empty(); ++k) {
        const auto& w = split.train[k * split.train.size() / 32];
        auto [b, e] = d.dataset->inputs(w);
        d.seed_windows.emplace_back(b, e);
    }
    if (s.model == ModelKind::stream) {
        make_stream_data(train_songs, valid_songs, s, d);
        return d;
    }
    CADENZA_CHECK(!split.train.empty(), "the corpus has no song longer than --seq-len ", s.seq_len,
                  " tokens, so there is no training window; use a shorter --seq-len");
    d.train = std::make_unique<WindowBatches>(*d.dataset, split.train, V);
    if (s.split == SplitKind::songs) {
        if (!d.validation_dataset->windows().empty())
            d.validation = std::make_unique<WindowBatches>(*d.validation_dataset, d.validation_dataset->windows(), V);
    } else if (!split.validation.empty()) {
        d.validation = std::make_unique<WindowBatches>(*d.dataset, split.validation, V);
    }
    d.validation_batch = s.batch;
    return d;
}

namespace {

// The run on this rank (run_train without the failure handling of several ranks).
int train_on_rank(const TrainRequest& req, dist::Communicator& comm) {
    const bool writer = comm.rank() == 0;
    const RunFiles files(req.run_dir);
    std::optional<RunFolderLock> lock;
    std::string checkpoint;  // a resumed run's last.ckpt, as rank 0 read it
    if (writer) {
        if (req.resume) CADENZA_CHECK(fs::is_directory(req.run_dir), req.run_dir, ": no such run folder to resume");
        if (!req.resume) load_corpus(req.corpus);  // a bad corpus leaves no run folder behind
        lock.emplace(req.run_dir);
        for (const std::string& name : lock->remove_stale_temporaries())
            std::fprintf(stderr, "removed %s, a temporary file left by a run that was stopped while writing\n",
                         (fs::path(req.run_dir) / name).string().c_str());
        if (req.resume) {
            CADENZA_CHECK(fs::exists(files.last), req.run_dir, ": nothing to resume (no last.ckpt in the folder)");
            checkpoint = io::read_file(files.last);
        } else {
            CADENZA_CHECK(!fs::exists(files.last), req.run_dir,
                          ": already holds a run (last.ckpt); use --resume to continue it or choose another folder");
        }
    }
    if (req.resume && comm.size() > 1) {  // the other ranks need no run folder of their own
        int64_t bytes = int64_t(checkpoint.size());
        comm.broadcast(&bytes, sizeof bytes, 0);
        checkpoint.resize(size_t(bytes));
        comm.broadcast(checkpoint.data(), bytes, 0);
    }
    Run run = open_run(req, files, checkpoint, comm);
    RunData data = make_run_data(run.corpus, run.settings);
    if (run.model) {
        CADENZA_CHECK(data.vocabulary.tokens() == run.vocabulary.tokens(), req.run_dir,
                      ": the run's songs now make a vocabulary of ", data.vocabulary.size(),
                      " tokens, its checkpoint has ", run.vocabulary.size(), " (was the corpus changed?)");
    } else {
        run.model = build_model(run.settings, int(data.vocabulary.size()), run.backend);
    }
    run.corpus.vocabulary = data.vocabulary;  // checkpoints hold the run's vocabulary
    if (writer) {
        restore_best(run, data, files);
        print_run(run, data, comm);
    }
    const Settings& s = run.settings;
    if (run.progress.epoch >= s.epochs) {
        if (writer) std::printf("the run already finished its %d epochs\n", s.epochs);
        return 0;
    }
    ProgressBar bar(s.epochs);
    dist::DataParallelOptions o;
    o.batch_size = s.batch;
    o.micro_batch = s.micro_batch_size();
    o.validation_batch = data.validation_batch;
    o.epochs = s.epochs;
    o.initial_epoch = run.progress.epoch;
    o.shuffle = s.model == ModelKind::paper;
    if (s.schedule == Settings::Schedule::cosine) o.learning_rate = cosine_schedule(s.lr, s.epochs, s.lr / 20);
    if (s.random_offsets && data.lanes) {
        o.on_epoch_begin = [&](int epoch) {
            RandomSequence r(s.seed, RandomStream::sample, uint64_t(epoch), 2);
            data.lanes->set_offset(int64_t(r.below(uint64_t(s.seq_len))));
        };
    }
    if (writer) o.on_batch = [&](const BatchProgress& p) { bar.update(p); };
    o.on_epoch = [&](const EpochStats& e) {
        if (writer) bar.finish();
        return finish_epoch(e, run, data, files, writer);
    };
    dist::DataParallel<float> trainer(*run.model, comm);
    try {
        trainer.fit(*data.train, o, data.validation.get());
    } catch (const DivergedError& e) {  // every rank sees the same loss
        if (!writer) return 3;
        bar.finish();
        std::fprintf(stderr,
                     "cadenza-music train: %s. The checkpoints of epoch %d in %s are untouched; "
                     "try a lower --lr or --clip-norm.\n",
                     e.what(), run.progress.epoch, req.run_dir.c_str());
        return 3;
    }
    if (!writer) return 0;
    std::string written;
    for (const auto& [path, what] : {std::pair<std::string, std::string>{files.last, " (last)"},
                                     {files.best, " (best, epoch " + std::to_string(run.progress.best_epoch) + ")"},
                                     {files.history, ""}})
        if (fs::exists(path)) written += (written.empty() ? "" : ", ") + path + what;
    std::printf("done: %s, accuracy.svg, loss.svg\n", written.c_str());
    return 0;
}

}  // namespace

int run_train(const TrainRequest& req) {
    dist::LocalCommunicator alone;
    dist::Communicator& comm = req.ranks ? *req.ranks : alone;
    if (comm.size() == 1) return train_on_rank(req, comm);
    try {
        return train_on_rank(req, comm);
    } catch (const dist::CollectiveError& e) {
        // Met by every rank together (a collective check): rank 0 reports.
        if (comm.rank() == 0) std::fprintf(stderr, "cadenza-music train: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        // Seen by this rank, perhaps alone: the others would wait for it in
        // the next collective call, so it ends them all. Rank 0 says why at
        // once; another rank first waits a moment, so that an error every
        // rank meets (a bad checkpoint, a refused setting) is said once, by
        // rank 0, whose abort ends the others before they speak.
        if (comm.rank() != 0) std::this_thread::sleep_for(std::chrono::seconds(2));
        std::fprintf(stderr, "cadenza-music train: rank %d of %d: %s\n", comm.rank(), comm.size(), e.what());
        std::fflush(stderr);
        comm.abort_all(1);
        return 1;
    }
}

}  // namespace cadenza::app
