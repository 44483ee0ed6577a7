// examples/cadenza-music/lib/report/tools.cpp: see tools.hpp.
#include "tools.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace cadenza::app {

namespace fs = std::filesystem;

bool have_tool(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream folders(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(folders, dir, ':')) {
        std::error_code ec;
        const fs::path f = fs::path(dir.empty() ? "." : dir) / name;
        if (fs::is_regular_file(f, ec) && access(f.c_str(), X_OK) == 0) return true;
    }
    return false;
}

bool run_tool(const std::vector<std::string>& argv, const std::string& log, const std::string& cwd,
              int timeout_seconds) {
    if (argv.empty()) return false;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // posix_spawn, not fork: the process has OpenMP threads, and a forked
    // child of a threaded process may only call async-signal-safe functions.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    pid_t child = 0;
    const int spawned = posix_spawnp(&child, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    int status = 0;
    for (;;) {
        const pid_t done = waitpid(child, &status, WNOHANG);
        if (done == child) break;
        if (done < 0) return false;
        if (std::chrono::steady_clock::now() > deadline) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            std::ofstream(log, std::ios::app)
                << argv[0] << ": killed after " << timeout_seconds << " s\n";
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string last_line(const std::string& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    return last;
}

bool move_into_place(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    if (!fs::is_regular_file(from, ec) || fs::file_size(from, ec) == 0) return false;
    fs::rename(from, to, ec);
    if (ec) {  // another file system: copy beside the target, then rename
        fs::path tmp = to;
        tmp += ".part";
        fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
        if (!ec) fs::rename(tmp, to, ec);
    }
    return !ec;
}

}  // namespace cadenza::app
