// examples/cadenza-music/commands/summary_command.cpp: `cadenza-music summary
// CHECKPOINT | --vocab N`: the Keras-style table (the paper's Fig. 7).
#include <cstdio>
#include <memory>

#include "../lib/checkpoint.hpp"
#include "../lib/models.hpp"
#include "cadenza/backend/eigen_backend.hpp"
#include "arguments.hpp"
#include "commands.hpp"

namespace cadenza::app {

namespace {

struct SummaryOptions {
    std::string checkpoint, model = "paper";
    int vocab = 0;
    Settings settings;
};

int run_summary(SummaryOptions& o) {
    if (!o.checkpoint.empty()) {
        const Checkpoint k =
            load_checkpoint(o.checkpoint, std::make_shared<EigenBackend<float>>(1));
        std::printf("%s", k.model->summary().c_str());
        std::printf("model %s, %s encoding, vocabulary %zu, trained %d epochs (best: epoch %d)\n",
                    model_name(k.settings.model), encoding_name(k.encoding), k.vocabulary.size(),
                    k.progress.epoch, k.progress.best_epoch);
        return 0;
    }
    if (o.vocab <= 0) throw UsageError("summary needs a CHECKPOINT or --vocab N");
    o.settings.model = parse_model(o.model, "--model");
    const auto m = build_model(o.settings, o.vocab, std::make_shared<EigenBackend<float>>(1));
    std::printf("%s", m->summary().c_str());
    return 0;
}

}  // namespace

Command add_summary_command(CLI::App& app) {
    auto o = std::make_shared<SummaryOptions>();
    CLI::App* sub = app.add_subcommand("summary", "Print a model's Keras-style summary");
    sub->add_option("CHECKPOINT", o->checkpoint, "A .ckpt file");
    sub->add_option("--vocab", o->vocab, "Build a fresh model for this vocabulary size instead")
        ->check(whole_in(1, 10000000));
    sub->add_option("--model", o->model, "paper or stream")
        ->check(CLI::IsMember({"paper", "stream"}));
    sub->add_option("--seq-len", o->settings.seq_len, "Window length")
        ->check(whole_in(1, 100000));
    return {sub, [o] { return run_summary(*o); }};
}

}  // namespace cadenza::app
