// cadenza/io/files.hpp: whole files in and out, the way every Cadenza output
// is written: to a temporary file beside the target, flushed to disk, then
// renamed over the target. A reader sees the old file or the new one, never
// half of one; a failed write leaves the old file and no temporary behind.
//
//   io::write_file_atomically("runs/a/last.ckpt", bytes);
//   std::string bytes = io::read_file("runs/a/last.ckpt");
//
// Temporary names are unique per process and call ("last.ckpt.tmp.<pid>.<n>"),
// so two writers of one target never write into each other's temporary file.
//
// Tests reach the points between the steps through a hook: set_write_hook(f)
// makes every write call f(point, target) at "written" (the temporary file is
// complete and flushed, not yet renamed) and "renamed" (the target is in
// place). A hook may throw (the write then fails cleanly) or end the process
// (a crash at that point). No hook is set unless a program sets one.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cadenza/error.hpp"

namespace cadenza::io {

using WriteHook = void (*)(const char* point, const std::string& target);

inline std::atomic<WriteHook>& write_hook_slot() {
    static std::atomic<WriteHook> hook{nullptr};
    return hook;
}
// Installs `hook` (nullptr removes it); returns the one it replaces.
inline WriteHook set_write_hook(WriteHook hook) { return write_hook_slot().exchange(hook); }

namespace detail {

inline void call_write_hook(const char* point, const std::string& target) {
    if (WriteHook hook = write_hook_slot().load()) hook(point, target);
}

inline std::string unique_temporary_name(const std::string& path) {
    static std::atomic<unsigned long> counter{0};
    return path + ".tmp." + std::to_string(long(getpid())) + "." + std::to_string(++counter);
}

// Writes all of `bytes` to `fd`; false with errno set on failure.
inline bool write_all(int fd, const char* bytes, size_t n) {
    while (n > 0) {
        const ssize_t done = ::write(fd, bytes, n);
        if (done < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes += done;
        n -= size_t(done);
    }
    return true;
}

}  // namespace detail

// Write bytes to path atomically: a temporary file beside it, flushed, then
// renamed over it. Throws cadenza::Error naming `path` (and the reason) when
// any step fails; the temporary file is removed then.
inline void write_file_atomically(const std::string& path, const std::string& bytes) {
    const std::string tmp = detail::unique_temporary_name(path);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error(path + ": cannot create a temporary file beside it (" + std::strerror(errno) +
                    ")");
    auto fail = [&](const char* what, int error) {
        std::remove(tmp.c_str());
        throw Error(path + ": " + what + " (" + std::strerror(error) +
                    "); the file was left as it was");
    };
    if (!detail::write_all(fd, bytes.data(), bytes.size())) {
        const int error = errno;
        ::close(fd);
        fail("writing failed", error);
    }
    if (::fsync(fd) != 0) {
        const int error = errno;
        ::close(fd);
        fail("flushing to disk failed", error);
    }
    if (::close(fd) != 0) fail("closing the file failed", errno);
    try {
        detail::call_write_hook("written", path);
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        fail("cannot rename the temporary file into place", errno);
    detail::call_write_hook("renamed", path);
}

// The whole file (symlinks followed). Throws cadenza::Error naming `path`
// when it cannot be opened or read, and, before reading anything, when it is
// a folder or not a regular file (a device like /dev/zero, a FIFO, a socket:
// they could block or never end). With `magic`, only that many bytes are read
// first, and when they differ the call returns just them, so the caller's
// parser rejects a foreign file without reading all of it. The file's size
// at opening bounds what is read.
inline std::string read_file(const std::string& path, const std::string& magic = "") {
    // Non-blocking, so that opening a FIFO does not wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw Error(path + ": cannot open the file for reading (" + std::strerror(errno) + ")");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) throw Error(path + ": cannot examine the file (" + std::strerror(errno) + ")");
    if (S_ISDIR(info.st_mode)) throw Error(path + ": is a folder, not a file");
    if (!S_ISREG(info.st_mode)) throw Error(path + ": is not a regular file (a device, FIFO or socket)");
    std::string bytes(size_t(info.st_size), '\0');
    size_t got = 0;
    auto read_up_to = [&](size_t want) {
        while (got < want) {
            const ssize_t n = ::read(fd, &bytes[got], want - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw Error(path + ": reading the file failed (" + std::strerror(errno) + ")");
            if (n == 0) return;  // shorter than it was a moment ago
            got += size_t(n);
        }
    };
    read_up_to(std::min(bytes.size(), magic.size()));
    if (bytes.compare(0, got, magic) == 0 && got == magic.size()) read_up_to(bytes.size());
    bytes.resize(got);
    return bytes;
}

}  // namespace cadenza::io
