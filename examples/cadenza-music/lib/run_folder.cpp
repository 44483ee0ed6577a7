// examples/cadenza-music/lib/run_folder.cpp: see run_folder.hpp.
#include "run_folder.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "cadenza/error.hpp"
#include "cadenza/io/files.hpp"

namespace cadenza::app {

namespace fs = std::filesystem;

RunFolderLock::RunFolderLock(const std::string& run_dir) : dir_(run_dir) {
    std::error_code ec;
    fs::create_directories(run_dir, ec);
    if (ec || !fs::is_directory(run_dir))
        throw Error(run_dir + ": cannot create the run folder (" + (ec ? ec.message() : "not a folder") + ")");
    const std::string lock = (fs::path(run_dir) / ".lock").string();
    fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(lock + ": cannot create the lock file (" + std::strerror(errno) + ")");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd_);
        fd_ = -1;
        if (error == EWOULDBLOCK)
            throw Error(run_dir + ": another process is training in this run folder (it holds " + lock +
                        "); wait for it to finish or choose another folder");
        throw Error(lock + ": cannot lock the run folder (" + std::strerror(error) + ")");
    }
}

RunFolderLock::~RunFolderLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::vector<std::string> RunFolderLock::remove_stale_temporaries() const {
    std::vector<std::string> removed;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const size_t tmp = name.find(".tmp");
        const bool ours = tmp != std::string::npos && tmp > 0 &&
                          (tmp + 4 == name.size() || name.compare(tmp + 4, 1, ".") == 0);
        if (!ours || !it->is_regular_file()) continue;
        std::error_code gone;
        if (fs::remove(it->path(), gone)) removed.push_back(name);
    }
    return removed;
}

namespace {

struct ExitPoint {
    std::string point, file;
    long remaining = 1;
};

ExitPoint& exit_point() {
    static ExitPoint p;
    return p;
}

void exit_at_point(const char* point, const std::string& target) {
    ExitPoint& p = exit_point();
    if (p.point != point || fs::path(target).filename().string() != p.file) return;
    if (--p.remaining == 0) _exit(86);
}

}  // namespace

void install_test_exit_hook_from_environment() {
    const char* spec = std::getenv("CADENZA_TEST_EXIT_AT");
    if (!spec || !*spec) return;
    const std::string text = spec;
    const size_t colon = text.find(':');
    if (colon == std::string::npos) throw Error("CADENZA_TEST_EXIT_AT='" + text + "': expected POINT:FILE[:N]");
    ExitPoint& p = exit_point();
    p.point = text.substr(0, colon);
    p.file = text.substr(colon + 1);
    const size_t count = p.file.find(':');
    if (count != std::string::npos) {
        p.remaining = std::strtol(p.file.c_str() + count + 1, nullptr, 10);
        p.file.resize(count);
    }
    if ((p.point != "written" && p.point != "renamed") || p.file.empty() || p.remaining < 1)
        throw Error("CADENZA_TEST_EXIT_AT='" + text + "': expected written:FILE or renamed:FILE, optionally :N");
    io::set_write_hook(exit_at_point);
}

}  // namespace cadenza::app
