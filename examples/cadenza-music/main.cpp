// examples/cadenza-music/main.cpp: the command-line music application.
//
//   cadenza-music prepare INPUT... -o CORPUS      MIDI files/folders -> tokens
//   cadenza-music train CORPUS -o RUN_DIR          the paper's model (or --model stream)
//   cadenza-music train --resume RUN_DIR           continue an interrupted run
//   cadenza-music generate CHECKPOINT -o OUT.mid   compose
//   cadenza-music summary CHECKPOINT | --vocab N   the Keras-style table
//   cadenza-music report RUN_DIR [-o DIR]          plots, metrics, sheet music, audio, HTML
//   cadenza-music baselines CORPUS                 simple predictors on the held-out part
//
// Every failure is one sentence on standard error and a non-zero exit status:
// 1 for bad input files, 2 for bad arguments, 3 for a diverging loss.
//
// Under `mpirun -np N` (a build with MPI), `train` shares its batches among
// the N processes (docs/distributed.md); the other commands run alone.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "cadenza/core/config.hpp"
#include "commands/commands.hpp"
#include "run_folder.hpp"
#ifdef CADENZA_HAVE_MPI
#include "cadenza/dist/mpi_communicator.hpp"
#endif

namespace {

// The number of processes and this one's rank as the launcher (OpenMPI's
// mpirun, MPICH's, Slurm's srun with PMIx) told them in the environment; 0
// when not started by one.
int launched_ranks(int& rank) {
    for (const auto& [size_var, rank_var] : {std::pair<const char*, const char*>{"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
                                             {"PMI_SIZE", "PMI_RANK"},
                                             {"SLURM_NTASKS", "PMIX_RANK"}}) {
        const char* size = std::getenv(size_var);
        const char* r = std::getenv(rank_var);
        if (!size || (!r && std::string(size_var) == "SLURM_NTASKS")) continue;
        rank = r ? std::atoi(r) : 0;
        return std::max(1, std::atoi(size));
    }
    rank = 0;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace cadenza::app;
    int rank = 0;
    const int launched = launched_ranks(rank);
    cadenza::dist::Communicator* ranks = nullptr;
#ifdef CADENZA_HAVE_MPI
    std::optional<cadenza::dist::MpiSession> session;
    std::unique_ptr<cadenza::dist::MpiCommunicator> world;
    if (launched > 0) {
        session.emplace(argc, argv);
        world = std::make_unique<cadenza::dist::MpiCommunicator>();
        ranks = world.get();
        rank = world->rank();
    }
#else
    if (launched > 1) {
        if (rank == 0)
            std::fprintf(stderr,
                         "cadenza-music: started by mpirun as %d processes, but this build has no MPI, so they "
                         "cannot share the training; install libopenmpi-dev (tools/setup-debian.sh) and build "
                         "again, or run without mpirun\n",
                         launched);
        return 2;
    }
#endif
    const int processes = ranks ? ranks->size() : std::max(launched, 1);
    CLI::App app{"cadenza-music: learn music from MIDI files with an LSTM and compose new pieces"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "cadenza-music " CADENZA_VERSION_STRING);
    const std::vector<Command> commands = {add_prepare_command(app),  add_train_command(app, ranks),
                                           add_generate_command(app), add_summary_command(app),
                                           add_report_command(app),   add_baselines_command(app),
                                           add_evaluate_command(app)};
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;  // --help is not an error; every bad argument is 2
    }
    try {
        install_test_exit_hook_from_environment();  // CADENZA_TEST_EXIT_AT, for the robustness tests
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cadenza-music: %s\n", e.what());
        return 2;
    }
    for (const Command& c : commands) {
        if (!*c.sub) continue;
        if (processes > 1 && c.sub->get_name() != "train") {
            if (rank == 0)
                std::fprintf(stderr, "cadenza-music %s: runs in one process; start it without mpirun (only train "
                             "shares its work among ranks)\n", c.sub->get_name().c_str());
            return 2;
        }
        try {
            const int status = c.run();
            // What was printed must have arrived (a full disk, a closed pipe, /dev/full).
            if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
                std::fprintf(stderr, "cadenza-music %s: cannot write to standard output (%s)\n",
                             c.sub->get_name().c_str(), std::strerror(errno));
                return 1;
            }
            return status;
        } catch (const UsageError& e) {
            if (rank != 0) return 2;  // the same on every rank: said once
            std::fprintf(stderr, "cadenza-music %s: %s\n", c.sub->get_name().c_str(), e.what());
            return 2;
        } catch (const std::bad_alloc&) {
            std::fprintf(stderr, "cadenza-music %s: ran out of memory\n", c.sub->get_name().c_str());
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "cadenza-music: %s\n", e.what());
            return 1;
        }
    }
    return 2;
}
