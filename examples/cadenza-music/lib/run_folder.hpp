// examples/cadenza-music/lib/run_folder.hpp: a training run's folder, held by
// one process at a time.
//
// `train` takes an exclusive lock (flock) on RUN_DIR/.lock before it reads or
// writes anything there, and holds it until it exits; the operating system
// releases it however the process ends, so a killed run leaves no stale lock.
// A second `train -o RUN_DIR` or `train --resume RUN_DIR` meanwhile refuses
// with a sentence instead of mixing its checkpoints with the first one's.
// With the lock held, temporary files left in the folder by a killed writer
// are stale and are removed.
#pragma once

#include <string>
#include <vector>

namespace cadenza::app {

class RunFolderLock {
public:
    // Creates the folder when it does not exist. Throws cadenza::Error when
    // another process holds it, or it cannot be created or locked.
    explicit RunFolderLock(const std::string& run_dir);
    ~RunFolderLock();
    RunFolderLock(const RunFolderLock&) = delete;
    RunFolderLock& operator=(const RunFolderLock&) = delete;

    // Removes the temporary files a killed writer left (NAME.tmp and
    // NAME.tmp.PID.N); returns their names.
    std::vector<std::string> remove_stale_temporaries() const;

private:
    std::string dir_;
    int fd_ = -1;
};

// Installs the test-only exit hook named by the environment variable
// CADENZA_TEST_EXIT_AT, if set: "written:FILE" ends the process (status 86,
// no clean-up, as a kill would) when FILE's temporary copy is complete but not
// yet renamed; "renamed:FILE" right after FILE is renamed into place. A
// ":N" suffix waits for the N-th time (default the first). FILE is a file
// name (last.ckpt, best.ckpt, history.csv, ...).
void install_test_exit_hook_from_environment();

}  // namespace cadenza::app
