// cadenza/dist/mpi_communicator.hpp: the Communicator over MPI (OpenMPI,
// MPICH), for `mpirun -np N program` on one machine or many.
//
//   int main(int argc, char** argv) {
//       cadenza::dist::MpiSession session(argc, argv);      // MPI_Init .. MPI_Finalize
//       cadenza::dist::MpiCommunicator comm;                  // MPI_COMM_WORLD
//       ...
//   }
//
// allreduce_sum follows the binary tree over the ranks (communicator.hpp):
// below 64 KB by recursive doubling (log2(R) exchanges of the whole buffer
// with rank ^ 1, rank ^ 2, ..., each rank adding what it receives), above by
// recursive halving and doubling, which moves 2 (R-1)/R of the buffer per
// rank, as a ring does. IEEE addition is commutative, so both sides of an
// exchange compute the same bits, and at every step the two operands are the
// partial sums of sibling subtrees (docs/distributed.md).
#pragma once

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <utility>
#include <vector>

#include "cadenza/dist/communicator.hpp"

namespace cadenza::dist {

// MPI_Init on construction, MPI_Finalize on destruction (once per process).
class MpiSession {
public:
    MpiSession(int& argc, char**& argv) {
        int ready = 0;
        MPI_Initialized(&ready);
        if (!ready) {
            MPI_Init(&argc, &argv);
            owner_ = true;
        }
    }
    ~MpiSession() {
        int done = 0;
        MPI_Finalized(&done);
        if (owner_ && !done) MPI_Finalize();
    }
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

private:
    bool owner_ = false;
};

class MpiCommunicator final : public Communicator {
public:
    // halving_bytes: buffers from this size on take recursive halving and
    // doubling, smaller ones recursive doubling (the two give the same bits).
    explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD, int64_t halving_bytes = 64 * 1024)
        : comm_(comm), halving_bytes_(halving_bytes) {
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
        // Errors come back as codes (checked below), not as an abort inside MPI.
        MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
        MPI_Comm node;  // the ranks that share this machine's memory
        if (MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
            MPI_Comm_rank(node, &local_rank_);
            MPI_Comm_size(node, &local_size_);
            MPI_Comm_free(&node);
        }
    }
    std::string name() const override { return "mpi"; }
    int rank() const override { return rank_; }
    int size() const override { return size_; }
    int local_rank() const override { return local_rank_; }
    int local_size() const override { return local_size_; }

    void allreduce_sum(float* data, int64_t n) override { tree_sum(data, n, MPI_FLOAT); }
    void allreduce_sum(double* data, int64_t n) override { tree_sum(data, n, MPI_DOUBLE); }

    void broadcast(void* data, int64_t bytes, int root) override {
        char* p = static_cast<char*>(data);
        for (int64_t done = 0; done < bytes;) {
            const int chunk = int(std::min<int64_t>(bytes - done, INT_MAX / 2));
            check(MPI_Bcast(p + done, chunk, MPI_BYTE, root, comm_), "MPI_Bcast");
            done += chunk;
        }
    }
    void send(const void* data, int64_t bytes, int to, int tag) override {
        const char* p = static_cast<const char*>(data);
        for (int64_t done = 0; done < bytes;) {
            const int chunk = int(std::min<int64_t>(bytes - done, INT_MAX / 2));
            check(MPI_Send(p + done, chunk, MPI_BYTE, to, tag, comm_), "MPI_Send");
            done += chunk;
        }
    }
    void receive(void* data, int64_t bytes, int from, int tag) override {
        char* p = static_cast<char*>(data);
        for (int64_t done = 0; done < bytes;) {
            const int chunk = int(std::min<int64_t>(bytes - done, INT_MAX / 2));
            check(MPI_Recv(p + done, chunk, MPI_BYTE, from, tag, comm_, MPI_STATUS_IGNORE), "MPI_Recv");
            done += chunk;
        }
    }
    void barrier() override { check(MPI_Barrier(comm_), "MPI_Barrier"); }
    bool all_equal(uint64_t value) override {
        unsigned long long v = value, lo = 0, hi = 0;
        check(MPI_Allreduce(&v, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, comm_), "MPI_Allreduce");
        check(MPI_Allreduce(&v, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm_), "MPI_Allreduce");
        return lo == hi;
    }
    void abort_all(int code) override {
        if (size_ > 1) MPI_Abort(comm_, code);
    }

private:
    // Both algorithms add the two halves of the rank tree at each level, left
    // subtree's partial sum and right's, so both give the tree order's bits.
    template <class T>
    void tree_sum(T* data, int64_t n, MPI_Datatype type) {
        if (size_ == 1 || n == 0) return;
        CADENZA_CHECK((size_ & (size_ - 1)) == 0, "the deterministic sum needs a power-of-two number of ranks, not ",
                      size_, " (mpirun -np 1, 2, 4, 8, ...)");
        scratch_.resize(size_t(n) * sizeof(T));
        T* other = reinterpret_cast<T*>(scratch_.data());
        if (n * int64_t(sizeof(T)) < halving_bytes_ || n < size_) return doubling(data, other, n, type);
        halving_doubling(data, other, n, type);
    }

    // Recursive doubling: log2(R) exchanges of the whole buffer with rank ^ 1,
    // rank ^ 2, ...; the fewest messages, for small buffers.
    template <class T>
    void doubling(T* data, T* other, int64_t n, MPI_Datatype type) {
        for (int step = 1; step < size_; step <<= 1) {
            exchange(data, n, other, n, rank_ ^ step, step, type);
            for (int64_t i = 0; i < n; ++i) data[i] += other[i];
        }
    }

    // Recursive halving, then doubling (Rabenseifner): a reduce-scatter in
    // which step k's partners (rank ^ 2^k, the same segment in hand) swap
    // halves of it and each adds the half it keeps, then an all-gather that
    // retraces the steps. Each rank sends 2 (R-1)/R of the buffer, as a ring
    // does, where recursive doubling sends log2(R) buffers; the sums follow
    // the same tree, since at step k both halves hold subtrees of 2^k ranks.
    template <class T>
    void halving_doubling(T* data, T* other, int64_t n, MPI_Datatype type) {
        int64_t lo = 0, hi = n;
        std::vector<std::pair<int64_t, int64_t>> parents;
        for (int step = 1; step < size_; step <<= 1) {
            const int partner = rank_ ^ step;
            const int64_t mid = lo + (hi - lo) / 2;
            parents.push_back({lo, hi});
            const bool lower = (rank_ & step) == 0;  // keeps [lo, mid), the partner [mid, hi)
            const int64_t keep_lo = lower ? lo : mid, keep_hi = lower ? mid : hi;
            const int64_t give_lo = lower ? mid : lo, give_hi = lower ? hi : mid;
            exchange(data + give_lo, give_hi - give_lo, other + keep_lo, keep_hi - keep_lo, partner, step, type);
            for (int64_t i = keep_lo; i < keep_hi; ++i) data[i] += other[i];
            lo = keep_lo;
            hi = keep_hi;
        }
        for (int step = size_ >> 1; step >= 1; step >>= 1) {
            const auto [parent_lo, parent_hi] = parents.back();
            parents.pop_back();
            const bool lower = (rank_ & step) == 0;  // kept the lower half at this step
            const int64_t their_lo = lower ? hi : parent_lo, their_hi = lower ? parent_hi : lo;
            exchange(data + lo, hi - lo, data + their_lo, their_hi - their_lo, rank_ ^ step, size_ + step, type);
            lo = parent_lo;
            hi = parent_hi;
        }
    }

    // send[0, sent) to partner and recv[0, received) from it, in chunks an
    // int can count.
    template <class T>
    void exchange(const T* send, int64_t sent, T* recv, int64_t received, int partner, int tag, MPI_Datatype type) {
        for (int64_t done_s = 0, done_r = 0; done_s < sent || done_r < received;) {
            const int cs = int(std::min<int64_t>(sent - done_s, INT_MAX / 2));
            const int cr = int(std::min<int64_t>(received - done_r, INT_MAX / 2));
            check(MPI_Sendrecv(send + done_s, cs, type, partner, tag, recv + done_r, cr, type, partner, tag, comm_,
                               MPI_STATUS_IGNORE),
                  "MPI_Sendrecv");
            done_s += cs;
            done_r += cr;
        }
    }

    void check(int code, const char* call) const {
        if (code == MPI_SUCCESS) return;
        char text[MPI_MAX_ERROR_STRING];
        int len = 0;
        MPI_Error_string(code, text, &len);
        throw DistError(detail::concat("rank ", rank_, ": ", call, " failed: ", std::string(text, size_t(len))));
    }

    MPI_Comm comm_;
    int64_t halving_bytes_;
    int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
    std::vector<char> scratch_;
};

}  // namespace cadenza::dist
