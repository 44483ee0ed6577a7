// examples/cadenza-music/commands/arguments.cpp: see arguments.hpp.
#include "arguments.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "commands.hpp"

namespace cadenza::app {

namespace fs = std::filesystem;

namespace {

std::string range_text(double lo, double hi) {
    std::ostringstream s;
    s << lo << ".." << hi;
    return s.str();
}

}  // namespace

CLI::Validator number_in(double lo, double hi) {
    return CLI::Validator(
        [lo, hi](std::string& text) -> std::string {
            char* end = nullptr;
            errno = 0;
            const double v = std::strtod(text.c_str(), &end);
            if (text.empty() || !end || *end != '\0' || errno == ERANGE || !std::isfinite(v))
                return "'" + text + "' is not a finite number";
            if (v < lo || v > hi) return "'" + text + "' is outside " + range_text(lo, hi);
            return "";
        },
        "NUMBER in " + range_text(lo, hi));
}

CLI::Validator whole_in(int64_t lo, int64_t hi) {
    return CLI::Validator(
        [lo, hi](std::string& text) -> std::string {
            char* end = nullptr;
            errno = 0;
            const long long v = std::strtoll(text.c_str(), &end, 10);
            if (text.empty() || !end || *end != '\0' || errno == ERANGE)
                return "'" + text + "' is not a whole number";
            if (v < lo || v > hi) return "'" + text + "' is outside " + std::to_string(lo) + ".." + std::to_string(hi);
            return "";
        },
        "INTEGER in " + std::to_string(lo) + ".." + std::to_string(hi));
}

CLI::Validator seed_value() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
            errno = 0;
            if (digits) std::strtoull(text.c_str(), nullptr, 10);
            if (!digits || errno == ERANGE) return "'" + text + "' is not a whole number in 0..18446744073709551615";
            return "";
        },
        "SEED in 0..2^64-1");
}

void check_outputs(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs,
                   bool outputs_are_folders) {
    // The same file: by identity when both exist (links, hard links), by
    // normalized absolute path otherwise.
    auto same = [](const std::string& a, const std::string& b) {
        std::error_code ec;
        if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec) && !ec;
        return fs::weakly_canonical(fs::absolute(a), ec) == fs::weakly_canonical(fs::absolute(b), ec);
    };
    for (size_t i = 0; i < outputs.size(); ++i) {
        const NamedPath& out = outputs[i];
        if (out.path.empty()) continue;
        for (const NamedPath& in : inputs)
            if (!in.path.empty() && same(out.path, in.path))
                throw UsageError(out.flag + " " + out.path + ": that is the input " + in.flag +
                                 "; writing it would destroy it, choose another file");
        for (size_t j = 0; j < i; ++j)
            if (!outputs[j].path.empty() && same(out.path, outputs[j].path))
                throw UsageError(out.flag + " " + out.path + ": " + outputs[j].flag +
                                 " names the same file; give each output its own name");
        std::error_code ec;
        if (!outputs_are_folders && fs::is_directory(out.path, ec))
            throw UsageError(out.flag + " " + out.path + ": is a folder; expected a file name");
        if (outputs_are_folders && fs::exists(out.path, ec) && !fs::is_directory(out.path, ec))
            throw UsageError(out.flag + " " + out.path + ": is a file; expected a folder");
        const fs::path parent = fs::absolute(out.path).parent_path();
        if (!outputs_are_folders && !fs::is_directory(parent, ec))
            throw UsageError(out.flag + " " + out.path + ": the folder " + parent.string() + " does not exist");
    }
}

}  // namespace cadenza::app
