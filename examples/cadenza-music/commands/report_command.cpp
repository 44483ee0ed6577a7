// examples/cadenza-music/commands/report_command.cpp: `cadenza-music report
// RUN_DIR`: plots, metrics, sheet music, audio and one HTML page.
#include <memory>

#include "../lib/report/report.hpp"
#include "arguments.hpp"
#include "commands.hpp"

namespace cadenza::app {

Command add_report_command(CLI::App& app) {
    auto r = std::make_shared<ReportRequest>();
    CLI::App* sub = app.add_subcommand(
        "report", "Plots, metrics, sheet music, audio and one HTML page for a run");
    sub->add_option("RUN_DIR", r->run_dir, "Run folder made by `train` (best.ckpt or last.ckpt)")
        ->required();
    sub->add_option("-o,--output", r->out_dir, "Report folder (default RUN_DIR/report)");
    sub->add_option("--pieces", r->pieces, "Pieces to compose (temperature 1, top-p 0.95)")
        ->check(whole_in(1, 1000));
    sub->add_option("--length", r->length, "Tokens per piece")->check(whole_in(1, 1000000));
    sub->add_option("--seed", r->seed, "Seed of the first piece; piece k uses seed + k - 1")->check(seed_value());
    sub->add_option("--threads", r->threads, "Threads (0: all cores)")->check(whole_in(0, 4096));
    sub->add_option(
        "--checkpoint", r->checkpoint,
        "Use this checkpoint (e.g. one kept after epoch 40) instead of RUN_DIR/best.ckpt");
    sub->add_flag("--argmax", r->argmax, "Compose the paper's way: always the most likely token");
    return {sub, [r] {
                if (!r->out_dir.empty())
                    check_outputs({{"RUN_DIR", r->run_dir}, {"--checkpoint", r->checkpoint}}, {{"-o", r->out_dir}}, true);
                return run_report(*r);
            }};
}

}  // namespace cadenza::app
