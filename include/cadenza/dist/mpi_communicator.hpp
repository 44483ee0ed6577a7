// cadenza/dist/mpi_communicator.hpp: the Communicator over MPI (OpenMPI,
// MPICH), for `mpirun -np N program` on one machine or many.
//
//   int main(int argc, char** argv) {
//       cadenza::dist::MpiSession session(argc, argv);      // MPI_Init .. MPI_Finalize
//       cadenza::dist::MpiCommunicator comm;                  // MPI_COMM_WORLD
//       ...
//   }
//
// allreduce_sum is recursive doubling: log2(R) exchanges of the whole buffer
// with rank ^ 1, rank ^ 2, ..., each rank adding what it receives. IEEE
// addition is commutative, so both sides of an exchange compute the same bits
// and the sum follows the binary tree over the ranks (communicator.hpp). It
// moves log2(R) times the buffer per rank instead of a ring's 2 (R-1)/R:
// the price of determinism, small for the few ranks a model of this size
// uses (docs/distributed.md).
#pragma once

#include <mpi.h>

#include <algorithm>
#include <climits>
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
    explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
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
    template <class T>
    void tree_sum(T* data, int64_t n, MPI_Datatype type) {
        if (size_ == 1 || n == 0) return;
        CADENZA_CHECK((size_ & (size_ - 1)) == 0, "the deterministic sum needs a power-of-two number of ranks, not ",
                      size_, " (mpirun -np 1, 2, 4, 8, ...)");
        scratch_.resize(size_t(n) * sizeof(T));
        T* other = reinterpret_cast<T*>(scratch_.data());
        for (int step = 1; step < size_; step <<= 1) {
            const int partner = rank_ ^ step;
            for (int64_t done = 0; done < n;) {
                const int chunk = int(std::min<int64_t>(n - done, INT_MAX / 2));
                check(MPI_Sendrecv(data + done, chunk, type, partner, step, other + done, chunk, type, partner, step,
                                   comm_, MPI_STATUS_IGNORE),
                      "MPI_Sendrecv");
                done += chunk;
            }
            for (int64_t i = 0; i < n; ++i) data[i] += other[i];
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
    int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
    std::vector<char> scratch_;
};

}  // namespace cadenza::dist
