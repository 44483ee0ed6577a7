// examples/cadenza-music/lib/report/tools.hpp: the optional programs the
// report calls (rsvg-convert, chromium, musicxml2ly, lilypond, fluidsynth),
// run directly with an argument list: no shell, so no quoting of file names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cadenza::app {

// An executable file of that name in a folder of PATH.
bool have_tool(const std::string& name);

// Runs argv[0] (searched on PATH) with the arguments, its standard output and
// error into `log`, from folder `cwd` when given. True when it exits with
// status 0 within `timeout_seconds` (then it is killed).
bool run_tool(const std::vector<std::string>& argv, const std::string& log,
              const std::string& cwd = "", int timeout_seconds = 300);

// The last non-empty line of a text file ("" when none), for notices.
std::string last_line(const std::string& path);

// A tool's output file, moved to `to` only when complete (non-empty), by
// rename or, across file systems, a copy beside `to` and a rename.
bool move_into_place(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace cadenza::app
