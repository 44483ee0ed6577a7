// examples/cadenza-music/commands/evaluate_command.cpp: `cadenza-music
// evaluate CHECKPOINT CORPUS`: the model against the baselines on songs it has
// never seen, and its sampled pieces (lib/evaluation.hpp).
#include <cstdio>
#include <memory>

#include "../lib/evaluation.hpp"
#include "arguments.hpp"
#include "commands.hpp"

namespace cadenza::app {

Command add_evaluate_command(CLI::App& app) {
    auto o = std::make_shared<EvaluateRequest>();
    auto json = std::make_shared<bool>(false);
    CLI::App* sub = app.add_subcommand(
        "evaluate", "Score a model on held-out songs beside the most-frequent, unigram and Kneser-Ney baselines");
    sub->add_option("CHECKPOINT", o->checkpoint, "A run's best.ckpt or last.ckpt")->required();
    sub->add_option("CORPUS", o->corpus, "The corpus the run trained on")->required();
    sub->add_option("--part", o->part, "validation, test (default) or held-out (both)")
        ->check(CLI::IsMember({"validation", "test", "held-out"}));
    sub->add_option("--pieces", o->pieces, "Pieces to sample and check (0: none)")->check(whole_in(0, 1000));
    sub->add_option("--length", o->length, "Tokens per sampled piece")->check(whole_in(1, 1000000));
    sub->add_option("--threads", o->threads, "Threads (0: all cores)")->check(whole_in(0, 4096));
    sub->add_option("--val-fraction", o->val_fraction, "Another held-out fraction than the run's (warns)")
        ->check(number_in(0.0, 0.9));
    sub->add_option("--split-seed", o->split_seed, "Another split seed than the run's (warns)")->check(seed_value());
    sub->add_flag("--json", *json, "Print the result as JSON");
    return {sub, [o, json] {
                const EvaluationResult r = evaluate(*o);
                std::fputs((*json ? evaluation_json(r) : evaluation_text(r)).c_str(), stdout);
                return 0;
            }};
}

}  // namespace cadenza::app
