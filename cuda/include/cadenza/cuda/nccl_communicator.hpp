// cadenza/cuda/nccl_communicator.hpp: ranks on GPUs that sum their gradients
// in GPU memory with NCCL (the CUDA toolkit's collective library), for
// dist::DataParallel on the CUDA backend. Compiled where CMake finds nccl.h
// and libnccl (target cadenza::nccl).
//
//   MpiSession session(argc, argv);
//   MpiCommunicator world;                                   // the ranks, over MPI
//   auto gpu = std::make_shared<cuda::CudaBackend<float>>(world.local_rank() % cuda::cuda_device_count());
//   cuda::NcclCommunicator nccl(world, gpu->device_index(), gpu->stream());
//   DataParallel<float> trainer(model, nccl);                // model on `gpu`
//
// What it changes against the MpiCommunicator (host staging):
// - the gradient never leaves the GPU: each rank adds its micro-batches'
//   gradients on the device, ncclAllReduce sums them across ranks in place
//   (NVLink, PCIe or the network, as NCCL finds them), with no download,
//   host tree or upload per step;
// - the cross-rank sum is in NCCL's order (ring or tree, chosen by NCCL for the
//   topology): a run is deterministic for a given set of GPUs, but NOT the same
//   bits on a different number of ranks. Use the MPI communicator where a run
//   must resume on another number of ranks to the same bits.
// Host-memory operations (the statistics, broadcasts, fingerprints) go
// through the host communicator it was built from.
#pragma once

#include <cuda_runtime.h>
#include <nccl.h>

#include <thread>

#include "cadenza/dist/communicator.hpp"

namespace cadenza::cuda {

class NcclCommunicator final : public dist::Communicator {
public:
    // host: the ranks (MpiCommunicator; a LocalCommunicator for one process),
    // which also hands rank 0's NCCL id to the others; device: this rank's
    // GPU; stream: the stream the all-reduce is ordered on (the backend's).
    // A failure on rank 0 before the id is sent reaches every rank (a
    // CollectiveError); one on this rank alone is a DistError, after which
    // the caller should end the others (abort_all).
    NcclCommunicator(dist::Communicator& host, int device, cudaStream_t stream) : host_(host), stream_(stream) {
        struct {
            int result = ncclSuccess;
            ncclUniqueId id{};
        } start;
        if (host_.rank() == 0) start.result = int(ncclGetUniqueId(&start.id));
        host_.broadcast(&start, sizeof start, 0);
        if (start.result != ncclSuccess)
            throw dist::CollectiveError(detail::concat("rank ", host_.rank(), ": ncclGetUniqueId failed on rank 0: ",
                                                       ncclGetErrorString(ncclResult_t(start.result))));
        check_cuda(cudaSetDevice(device), "cudaSetDevice");
        check(ncclCommInitRank(&comm_, host_.size(), start.id, host_.rank()), "ncclCommInitRank");
    }
    ~NcclCommunicator() override {
        if (comm_) ncclCommDestroy(comm_);
    }
    NcclCommunicator(const NcclCommunicator&) = delete;
    NcclCommunicator& operator=(const NcclCommunicator&) = delete;

    std::string name() const override { return "nccl"; }
    int rank() const override { return host_.rank(); }
    int size() const override { return host_.size(); }
    int local_rank() const override { return host_.local_rank(); }
    int local_size() const override { return host_.local_size(); }

    // Host memory: the host communicator's (tree-ordered) sums.
    void allreduce_sum(float* data, int64_t n) override { host_.allreduce_sum(data, n); }
    void allreduce_sum(double* data, int64_t n) override { host_.allreduce_sum(data, n); }
    void broadcast(void* data, int64_t bytes, int root) override { host_.broadcast(data, bytes, root); }
    void send(const void* data, int64_t bytes, int to, int tag) override { host_.send(data, bytes, to, tag); }
    void receive(void* data, int64_t bytes, int from, int tag) override { host_.receive(data, bytes, from, tag); }
    void barrier() override { host_.barrier(); }
    bool all_equal(uint64_t value) override { return host_.all_equal(value); }
    void abort_all(int code) override {
        if (comm_) ncclCommAbort(comm_);
        comm_ = nullptr;
        host_.abort_all(code);
    }

    // Device memory: NCCL's in-place all-reduce on the stream, waited for.
    bool reduces_device_memory() const override { return true; }
    void allreduce_sum_device(float* device_data, int64_t n) override { sum(device_data, n, ncclFloat); }
    void allreduce_sum_device(double* device_data, int64_t n) override { sum(device_data, n, ncclDouble); }

private:
    void sum(void* data, int64_t n, ncclDataType_t type) {
        if (n == 0) return;
        check(ncclAllReduce(data, data, size_t(n), type, ncclSum, comm_, stream_), "ncclAllReduce");
        wait();
    }
    // Until the stream is done, watching NCCL's asynchronous errors: a peer
    // that died leaves the all-reduce waiting forever, and NCCL reports it
    // only there; then the communicator is aborted and this rank throws.
    void wait() {
        for (;;) {
            const cudaError_t e = cudaStreamQuery(stream_);
            if (e == cudaSuccess) return;
            if (e != cudaErrorNotReady) check_cuda(e, "cudaStreamQuery");
            ncclResult_t async = ncclSuccess;
            check(ncclCommGetAsyncError(comm_, &async), "ncclCommGetAsyncError");
            if (async != ncclSuccess) {
                ncclCommAbort(comm_);
                comm_ = nullptr;
                throw dist::DistError(detail::concat("rank ", host_.rank(), ": the all-reduce failed: ",
                                                     ncclGetErrorString(async)));
            }
            std::this_thread::yield();
        }
    }
    void check(ncclResult_t r, const char* call) const {
        if (r != ncclSuccess)
            throw dist::DistError(detail::concat("rank ", host_.rank(), ": ", call, " failed: ", ncclGetErrorString(r)));
    }
    void check_cuda(cudaError_t e, const char* call) const {
        if (e != cudaSuccess)
            throw dist::DistError(detail::concat("rank ", host_.rank(), ": ", call, " failed: ", cudaGetErrorString(e)));
    }

    dist::Communicator& host_;
    cudaStream_t stream_;
    ncclComm_t comm_ = nullptr;
};

}  // namespace cadenza::cuda
