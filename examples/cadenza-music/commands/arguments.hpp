// examples/cadenza-music/commands/arguments.hpp: what every subcommand
// checks about its arguments before it reads or writes anything.
//
// Numbers: number_in(lo, hi) takes a finite decimal in [lo, hi] (NaN and
// infinities refused), whole_in(lo, hi) a whole number in [lo, hi], and
// seed_value() a whole number in 0..2^64-1 (no sign, no wrap-around). A value
// outside is CLI11's ValidationError, exit status 2, naming the flag.
//
// Files: check_outputs refuses an output that is one of the command's inputs
// or another of its outputs (by identity, so links and relative paths do not
// hide it), an output that is a folder, and one whose folder does not exist,
// before anything is written.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cadenza::app {

CLI::Validator number_in(double lo, double hi);
CLI::Validator whole_in(int64_t lo, int64_t hi);
CLI::Validator seed_value();

struct NamedPath {
    std::string flag;  // "-o", "--plot", "CHECKPOINT"
    std::string path;
};

// Throws UsageError (exit status 2) naming the flag. Inputs and outputs with
// an empty path are not given and are left out.
void check_outputs(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs,
                   bool outputs_are_folders = false);

}  // namespace cadenza::app
