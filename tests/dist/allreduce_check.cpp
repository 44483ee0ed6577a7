// allreduce-check: the communicator's sums against the binary tree computed
// on one rank, bit for bit, under mpirun. Every rank makes every rank's
// buffer (values spread over 12 orders of magnitude, so that the order of the
// additions shows in the bits), so each can compute the expected sum alone.
//   mpirun -np R allreduce-check
// - MpiCommunicator::allreduce_sum (R a power of two) on buffers of 1 to
//   1,000,003 floats and doubles: recursive doubling below 64 KB, halving and
//   doubling above, odd lengths that halve unevenly;
// - reduce_tree for 5 micro-batches per step shared by R ranks (the
//   all-reduce for R = 1, 2, 4; the send/receive exchange for R = 3).
#include <cmath>
#include <cstdio>
#include <vector>

#include "cadenza/core/philox.hpp"
#include "cadenza/dist/gradient_tree.hpp"
#include "cadenza/dist/mpi_communicator.hpp"

using namespace cadenza;

namespace {

template <class V>
std::vector<V> values(int64_t n, uint64_t who) {
    std::vector<V> v(static_cast<size_t>(n));
    RandomSequence r(77, RandomStream::sample, who, 3);
    for (auto& x : v) x = V(r.uniform(-1, 1) * std::pow(10.0, r.uniform(-6, 6)));
    return v;
}

template <class V>
bool same_bits(const std::vector<V>& a, const std::vector<V>& b) {
    for (size_t i = 0; i < a.size(); ++i)
        if (!(a[i] == b[i]) && !(std::isnan(a[i]) && std::isnan(b[i]))) return false;
    return a.size() == b.size();
}

template <class V>
int check_allreduce(dist::MpiCommunicator& comm, int64_t n, const char* type) {
    const int R = comm.size();
    std::vector<std::vector<V>> all;
    for (int r = 0; r < R; ++r) all.push_back(values<V>(n, uint64_t(r) * 1000003 + uint64_t(n)));
    dist::TreeSum<V> tree(n);
    for (auto& part : all) tree.push(part.data());
    std::vector<V> mine = all[size_t(comm.rank())];
    comm.allreduce_sum(mine.data(), n);
    const bool ok = same_bits(mine, tree.result());
    if (!ok) std::printf("allreduce-check: rank %d: allreduce_sum of %lld %s differs from the tree\n", comm.rank(),
                         (long long)n, type);
    return ok ? 0 : 1;
}

template <class V>
int check_reduce_tree(dist::MpiCommunicator& comm, int64_t n) {
    const dist::SlotLayout layout(5, comm.size());
    std::vector<std::vector<V>> leaves;
    for (int64_t k = 0; k < layout.work(); ++k) leaves.push_back(values<V>(n, 900 + uint64_t(k)));
    dist::TreeSum<V> whole(n), mine(n, layout.first(comm.rank()));
    for (int64_t k = 0; k < layout.leaves(); ++k) k < layout.work() ? whole.push(leaves[size_t(k)].data()) : whole.push_zeros();
    for (int64_t k = layout.first(comm.rank()); k < layout.end(comm.rank()); ++k)
        k < layout.work() ? mine.push(leaves[size_t(k)].data()) : mine.push_zeros();
    const bool ok = same_bits(dist::reduce_tree(mine, layout, comm), whole.result());
    if (!ok) std::printf("allreduce-check: rank %d: reduce_tree of %lld values differs from the tree\n", comm.rank(),
                         (long long)n);
    return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    dist::MpiSession session(argc, argv);
    dist::MpiCommunicator comm;
    try {
        const int R = comm.size();
        int failed = 0, cases = 0;
        if ((R & (R - 1)) == 0) {
            for (int64_t n : {1, 3, 1000, 16383, 16384, 16385, 1000003}) {
                failed += check_allreduce<float>(comm, n, "floats");
                failed += check_allreduce<double>(comm, n, "doubles");
                cases += 2;
            }
        }
        for (int64_t n : {7, 300001}) {
            failed += check_reduce_tree<float>(comm, n);
            ++cases;
        }
        int any = failed;
        MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        if (comm.rank() == 0)
            std::printf("allreduce-check: %d rank(s): %d cases %s\n", R, cases,
                        any == 0 ? "bit-identical to the tree on one rank" : "FAILED");
        return any == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "allreduce-check: rank %d: %s\n", comm.rank(), e.what());
        comm.abort_all(1);
        return 1;
    }
}
