// examples/cadenza-music/commands/commands.hpp: the subcommands of
// cadenza-music, one file each. Each adds its options to the application and
// returns what runs once the command line is parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "cadenza/dist/communicator.hpp"
#include "cadenza/error.hpp"

namespace cadenza::app {

struct Command {
    CLI::App* sub = nullptr;
    std::function<int()> run;  // the exit status
};

// A command line that parses but asks for something impossible (exit status 2).
class UsageError : public Error {
public:
    using Error::Error;
};

Command add_prepare_command(CLI::App& app);
// ranks: the processes of `mpirun -np N` that share the training (null: one).
Command add_train_command(CLI::App& app, dist::Communicator* ranks);
Command add_generate_command(CLI::App& app);
Command add_summary_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_baselines_command(CLI::App& app);
Command add_evaluate_command(CLI::App& app);

}  // namespace cadenza::app
