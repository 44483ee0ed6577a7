// examples/cadenza-music/commands/baselines_command.cpp: `cadenza-music
// baselines CORPUS`: what simple predictors score on the validation windows.
#include <memory>

#include "../lib/baselines.hpp"
#include "arguments.hpp"
#include "commands.hpp"

namespace cadenza::app {

namespace {

struct BaselineOptions {
    std::string corpus, split = "songs";
    Settings settings;
};

}  // namespace

Command add_baselines_command(CLI::App& app) {
    auto o = std::make_shared<BaselineOptions>();
    Settings& s = o->settings;
    CLI::App* sub = app.add_subcommand(
        "baselines",
        "Most-frequent, unigram and bigram predictors on a split's validation windows");
    sub->add_option("CORPUS", o->corpus, "Corpus made by `prepare`")->required();
    sub->add_option("--split", o->split, "songs or windows, as `train`")
        ->check(CLI::IsMember({"songs", "windows"}));
    sub->add_option("--val-fraction", s.val_fraction, "Fraction held out, as `train`")
        ->check(number_in(0.0, 0.9));
    sub->add_option("--seq-len", s.seq_len, "Window length, as `train`")
        ->check(whole_in(1, 100000));
    sub->add_option("--seed", s.seed, "Seed of the split, as `train`")->check(seed_value());
    return {sub, [o] {
                o->settings.split = parse_split(o->split, "--split");
                return run_baselines(o->corpus, o->settings);
            }};
}

}  // namespace cadenza::app
