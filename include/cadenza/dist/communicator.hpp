// cadenza/dist/communicator.hpp: what data-parallel training needs from the
// processes it runs in, and the one-process communicator.
//
// A Communicator connects R processes (ranks 0 .. R-1), each with a copy of
// the model. The sums are DETERMINISTIC: allreduce_sum adds the ranks'
// buffers in the order of a binary tree over the ranks (0+1, 2+3, then
// (0+1)+(2+3), ...), so every rank receives the same bits, and a rank that
// pre-summed its part in the same tree order makes the whole sum independent
// of how many ranks share the work (dist/gradient_tree.hpp). That order
// needs a power-of-two number of ranks; other counts sum the same tree with
// send/receive (gradient_tree.hpp's reduce_tree).
//
// LocalCommunicator: one process, no MPI. MpiCommunicator (mpi_communicator.hpp):
// MPI, included only where MPI is installed.
#pragma once

#include <cstdint>
#include <string>

#include "cadenza/error.hpp"

namespace cadenza::dist {

// Data-parallel training failed: an MPI or NCCL call on this rank, or the
// ranks cannot work together. Seen by this rank alone unless it is a
// CollectiveError: a program that catches it should end the other ranks
// (Communicator::abort_all), which would otherwise wait for this one.
class DistError : public Error {
public:
    using Error::Error;
};

// An error every rank throws at the same point, found by a collective call
// (the ranks' models or data differ): each may simply return.
class CollectiveError : public DistError {
public:
    using DistError::DistError;
};

class Communicator {
public:
    virtual ~Communicator() = default;
    virtual std::string name() const = 0;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // The ranks on this machine and this one's place among them (threads
    // and GPUs per rank).
    virtual int local_rank() const { return 0; }
    virtual int local_size() const { return 1; }

    // data[i] <- the sum over ranks of data[i], in the binary-tree order above.
    virtual void allreduce_sum(float* data, int64_t n) = 0;
    virtual void allreduce_sum(double* data, int64_t n) = 0;
    // bytes of data from `root` to every rank.
    virtual void broadcast(void* data, int64_t bytes, int root) = 0;
    // bytes of data to rank `to`, which receives them with the same tag.
    virtual void send(const void* data, int64_t bytes, int to, int tag) = 0;
    virtual void receive(void* data, int64_t bytes, int from, int tag) = 0;
    virtual void barrier() = 0;
    // Whether every rank passed the same value (a fingerprint of the data,
    // the parameter count); every rank gets the answer.
    virtual bool all_equal(uint64_t value) = 0;
    // A communicator that sums GPU memory (cadenza/cuda/nccl_communicator.hpp):
    // DataParallel then keeps the gradient on the device and calls
    // allreduce_sum_device on it. Its order is the library's (NCCL's ring or
    // tree), not the binary tree above: deterministic for a given set of
    // GPUs, not the same bits across different numbers of ranks.
    virtual bool reduces_device_memory() const { return false; }
    virtual void allreduce_sum_device(float* /*device_data*/, int64_t /*n*/) {
        throw DistError(name() + " communicator: no all-reduce of device memory");
    }
    virtual void allreduce_sum_device(double* /*device_data*/, int64_t /*n*/) {
        throw DistError(name() + " communicator: no all-reduce of device memory");
    }
    // Ends every rank after an error on one of them that the others cannot
    // see (MPI_Abort), so that no rank waits forever in a collective call.
    // The one-process communicator has nobody to wait: it returns.
    virtual void abort_all(int code) = 0;
};

class LocalCommunicator final : public Communicator {
public:
    std::string name() const override { return "local"; }
    int rank() const override { return 0; }
    int size() const override { return 1; }
    void allreduce_sum(float*, int64_t) override {}
    void allreduce_sum(double*, int64_t) override {}
    void broadcast(void*, int64_t, int root) override {
        CADENZA_CHECK(root == 0, "broadcast from rank ", root, " in a one-process communicator");
    }
    void send(const void*, int64_t, int to, int) override {
        throw DistError(detail::concat("send to rank ", to, " in a one-process communicator"));
    }
    void receive(void*, int64_t, int from, int) override {
        throw DistError(detail::concat("receive from rank ", from, " in a one-process communicator"));
    }
    void barrier() override {}
    bool all_equal(uint64_t) override { return true; }
    void abort_all(int) override {}
};

// FNV-1a over bytes, continuing from h: the fingerprints ranks compare.
inline uint64_t fingerprint(const void* data, size_t bytes, uint64_t h = 1469598103934665603ull) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

}  // namespace cadenza::dist
