// cadenza-dist-bench: what data-parallel training costs on this machine, for
// docs/distributed.md. Run under mpirun:
//
//   mpirun -np 2 --bind-to none build/bin/cadenza-dist-bench allreduce
//       the deterministic all-reduce alone on 1, 4 and 14 MB of floats, both
//       algorithms alternating: median [min, max] ms over 20 calls each after
//       3 warm-ups each
//   mpirun -np R --bind-to none build/bin/cadenza-dist-bench tree
//       the gradient tree's sum across ranks (reduce_tree) with one
//       micro-batch per rank: the all-reduce where R is a power of two, the
//       send/receive exchange and broadcast otherwise; same sizes and counts
//   mpirun -np R --bind-to none build/bin/cadenza-dist-bench paper --threads T
//       training steps of the paper's model (3.57 M parameters, 14 MB of
//       gradients) at global batch 128 in 2 micro-batches of 64, T threads per
//       rank: the median step's compute, all-reduce and update time over 6
//       steps after 2 warm-ups
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cadenza/cadenza.hpp"
#include "cadenza/dist/data_parallel.hpp"
#include "cadenza/dist/mpi_communicator.hpp"

using namespace cadenza;

namespace {

std::string summary(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.2f [%.2f, %.2f]", ms[ms.size() / 2], ms.front(), ms.back());
    return buf;
}

// Both algorithms of MpiCommunicator (the same bits), alternating call by call.
void allreduce() {
    dist::MpiCommunicator halving(MPI_COMM_WORLD), doubling(MPI_COMM_WORLD, INT64_MAX);
    for (double mb : {1.0, 4.0, 14.0}) {
        std::vector<float> buf(size_t(mb * 1024 * 1024 / sizeof(float)), 1.0f);
        std::vector<double> ms[2];
        for (int i = 0; i < 46; ++i) {
            dist::MpiCommunicator& comm = i % 2 ? doubling : halving;
            comm.barrier();
            const auto t0 = std::chrono::steady_clock::now();
            comm.allreduce_sum(buf.data(), int64_t(buf.size()));
            const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (i >= 6) ms[i % 2].push_back(t);
        }
        if (halving.rank() == 0)
            std::printf("allreduce %5.1f MB on %d ranks: halving+doubling %s ms, recursive doubling %s ms\n", mb,
                        halving.size(), summary(ms[0]).c_str(), summary(ms[1]).c_str());
    }
}

void tree(dist::Communicator& comm) {
    const dist::SlotLayout layout(comm.size(), comm.size());
    for (double mb : {1.0, 4.0, 14.0}) {
        const int64_t n = int64_t(mb * 1024 * 1024 / sizeof(float));
        std::vector<float> leaf(size_t(n), 1.0f);
        dist::TreeSum<float> mine(n);
        std::vector<double> ms;
        for (int i = 0; i < 23; ++i) {
            mine.clear(layout.first(comm.rank()));
            for (int64_t k = layout.first(comm.rank()); k < layout.end(comm.rank()); ++k)
                k < layout.work() ? mine.push(leaf.data()) : mine.push_zeros();
            comm.barrier();
            const auto t0 = std::chrono::steady_clock::now();
            dist::reduce_tree(mine, layout, comm);
            const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (i >= 3) ms.push_back(t);
        }
        if (comm.rank() == 0)
            std::printf("tree sum %5.1f MB on %d ranks (%s): %s ms\n", mb, comm.size(),
                        layout.aligned() ? "all-reduce" : "exchange + broadcast", summary(ms).c_str());
    }
}

void paper(dist::Communicator& comm, int threads) {
    const int T = 100, V = 373, B = 128, N = B * 8;
    Sequential<float> m(std::make_shared<EigenBackend<float>>(threads));
    m.add<Lstm<float>>(128, true);
    m.add<Dropout<float>>(0.3);
    m.add<Lstm<float>>(128, true);
    m.add<Flatten<float>>();
    m.add<Dense<float>>(256);
    m.add<Dropout<float>>(0.3);
    m.add<Dense<float>>(V);
    m.build({T, 1}, 1);
    Tensor<float> x({N, T, 1});
    std::vector<int32_t> y(static_cast<size_t>(N));
    for (int64_t i = 0; i < x.numel(); ++i) x[i] = float((i * 13) % V) / V;
    for (int n = 0; n < N; ++n) y[size_t(n)] = (n * 7) % V;
    ArrayData<float> data(std::move(x), std::move(y));
    dist::DataParallel<float> trainer(m, comm);
    trainer.synchronize(data);
    std::vector<double> compute, reduce, update, step;
    dist::DataParallelOptions o;
    o.batch_size = B;
    o.micro_batch = 64;
    std::vector<int64_t> order(static_cast<size_t>(N));
    for (int n = 0; n < N; ++n) order[size_t(n)] = n;
    for (int s = 0; s < 8; ++s) {
        const auto t0 = std::chrono::steady_clock::now();
        trainer.train_batch(data, order, int64_t(s) * B, int64_t(s + 1) * B, o);
        const double total = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        const auto& t = trainer.last_step_times();
        if (s >= 2) {
            compute.push_back(1e3 * t.compute);
            reduce.push_back(1e3 * t.reduce);
            update.push_back(1e3 * t.update);
            step.push_back(total);
        }
    }
    if (comm.rank() == 0)
        std::printf("paper model, %lld parameters, global batch %d, %d rank(s) x %d thread(s): step %s ms = compute %s"
                    " + all-reduce %s + update %s\n",
                    (long long)m.parameter_count(), B, comm.size(), threads, summary(step).c_str(),
                    summary(compute).c_str(), summary(reduce).c_str(), summary(update).c_str());
}

}  // namespace

int main(int argc, char** argv) {
    dist::MpiSession session(argc, argv);
    dist::MpiCommunicator comm;
    try {
        const std::string mode = argc > 1 ? argv[1] : "";
        int threads = 1;
        for (int i = 2; i + 1 < argc; ++i)
            if (std::string(argv[i]) == "--threads") threads = std::stoi(argv[i + 1]);
        if (mode == "allreduce") allreduce();
        else if (mode == "tree") tree(comm);
        else if (mode == "paper") paper(comm, threads);
        else throw Error("usage: cadenza-dist-bench allreduce | tree | paper [--threads T]");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cadenza-dist-bench: rank %d: %s\n", comm.rank(), e.what());
        comm.abort_all(1);
        return 1;
    }
}
