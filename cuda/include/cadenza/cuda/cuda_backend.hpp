// cadenza/cuda/cuda_backend.hpp: the CUDA backend's host API (compiled part: cadenza::cuda).
//
// CudaBackend<T> implements Backend<T> (backend/backend.hpp) on one CUDA device:
// tensors own device memory (cudaMalloc, freed by the tensor's deleter), every
// operation is queued on the backend's own stream, GEMMs go to cuBLAS and the
// per-element work to our kernels (cuda/src/cuda_backend.cu), which call the very
// same host+device functions as the CPU backends (kernels/*.hpp). docs/cuda.md
// says what runs where and why the results are deterministic.
//
// This header needs no CUDA header: the stream and cuBLAS handle are named by
// their opaque struct types, so plain C++ translation units can include it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cadenza/backend/backend.hpp"

struct CUstream_st;    // = cudaStream_t's pointee
struct cublasContext;  // = cublasHandle_t's pointee

namespace cadenza::cuda {

// Is there at least one CUDA device this process can use? Never throws.
bool cuda_device_available();
// How many CUDA devices this process can use (0 when none). Never throws.
int cuda_device_count();
// The name of device `device` (e.g. "NVIDIA H100 80GB HBM3"); throws when there is none.
std::string cuda_device_name(int device = 0);

template <class T>
class CudaBackend final : public Backend<T> {
public:
    // Binds to `device`, creates a non-blocking stream and a cuBLAS handle on it.
    // Throws cadenza::Error when there is no such device.
    explicit CudaBackend(int device = 0);
    ~CudaBackend() override;
    CudaBackend(const CudaBackend&) = delete;
    CudaBackend& operator=(const CudaBackend&) = delete;

    const char* name() const override { return "cuda"; }
    Device device() const override { return Device::cuda; }
    int device_index() const { return device_; }
    CUstream_st* stream() const { return stream_; }
    cublasContext* cublas() const { return cublas_; }

    // ---- memory: upload returns once host_src may be reused; download once
    // host_dst holds the data; copy and fill are queued on the stream.
    Tensor<T> zeros(Shape shape) override;
    void upload(const T* host_src, T* dst, int64_t n) override;
    void download(const T* src, T* host_dst, int64_t n) override;
    void copy(const T* src, T* dst, int64_t n) override;
    void fill(T* dst, int64_t n, T value) override;
    void synchronize() override;

    void gemm(Trans ta, Trans tb, int M, int N, int K, T alpha, const T* A, int lda, const T* B,
              int ldb, T beta, T* C, int ldc) override;
    void add_row_vector(T* Y, const T* v, int64_t rows, int64_t cols) override;
    void accumulate_column_sum(const T* X, int64_t rows, int64_t cols, T* y) override;
    void multiply(const T* x, const T* m, T* y, int64_t n) override;
    void axpy(T alpha, const T* x, T* y, int64_t n) override;
    void scale(T* x, T alpha, int64_t n) override;
    double sum_of_squares(const T* x, int64_t n) override;
    void swap_leading_axes(const T* src, T* dst, int64_t A, int64_t B, int64_t F) override;

    void lstm_forward_pointwise(int B, int H, T* gates, const T* bias, const T* c_prev, T* c,
                                T* h) override;
    void lstm_backward_pointwise(int B, int H, const T* gates, const T* c_prev, const T* c,
                                 const T* dy, const T* dh_next, T* dc, T* dgates) override;
    void gru_forward_pointwise(int B, int H, const T* gi, T* gates, const T* b_hh, const T* h_prev,
                               T* h) override;
    void gru_backward_pointwise(int B, int H, const T* gates, const T* h_prev, const T* dy, T* dh, T* dgi,
                                T* dgh) override;

    double softmax_cross_entropy(int64_t rows, int V, const T* logits, const int32_t* targets,
                                 T dloss_per_row, T* dlogits) override;
    int64_t count_top_k(int64_t rows, int V, const T* logits, const int32_t* targets,
                        int k) override;
    std::shared_ptr<int32_t> upload_targets(const int32_t* host, int64_t n) override;

    void dropout_mask(T* mask, int64_t n, T p, uint64_t seed, uint64_t step, uint32_t layer,
                      uint64_t first_key = 0) override;

    void embedding_forward(const T* ids, int64_t rows, const T* table, int dim, T* out) override;
    void embedding_backward(const T* ids, int64_t rows, const T* dout, int dim,
                            T* dtable) override;

    void adam_update(T* params, const T* grads, T* m, T* v, int64_t n,
                     const kernels::AdamStepConstants<T>& k) override;
    void sgd_update(T* params, const T* grads, T* buf, int64_t n,
                    const kernels::SgdStepConstants<T>& k) override;
    void rmsprop_update(T* params, const T* grads, T* v, T* avg_g, T* buf, int64_t n,
                        const kernels::RmspropStepConstants<T>& k) override;

private:
    // The ordered sum of `n` doubles in `values` (device), computed on the device.
    double ordered_sum(const double* values, int64_t n);
    // Adds kReduceBlocks partials in order on the device and returns the total.
    double finish_ordered_sum(double* partials);
    // Room for one double per row, after the reduction's partials in the scratch buffer.
    double* row_buffer(int64_t rows);
    // A device scratch buffer of at least `bytes` (grown on demand, never shrunk).
    void* scratch(size_t bytes);

    int device_ = 0;
    CUstream_st* stream_ = nullptr;
    cublasContext* cublas_ = nullptr;
    void* cublas_workspace_ = nullptr;  // ours, so that graph capture never allocates
    void* scratch_ = nullptr;
    size_t scratch_bytes_ = 0;
    double* host_result_ = nullptr;     // pinned: one double read back per reduction
};

// A CUDA Graph: the work a function queues on a stream, recorded once and then
// replayed with one launch. Generation at batch 1 is a chain of tiny kernels
// and GEMMs whose launch overhead dominates; a graph launches them all at once.
// Pointers and shapes are baked in: the recorded function must only touch
// memory that stays allocated, and must not allocate or synchronize.
class CudaGraph {
public:
    CudaGraph() = default;
    ~CudaGraph();
    CudaGraph(const CudaGraph&) = delete;
    CudaGraph& operator=(const CudaGraph&) = delete;

    // Records what fn queues on `stream` (nothing runs), replacing an earlier recording.
    void capture(CUstream_st* stream, const std::function<void()>& fn);
    // Queues the recorded work on the stream it was recorded on.
    void launch();
    bool captured() const { return exec_ != nullptr; }

private:
    void reset();
    CUstream_st* stream_ = nullptr;
    void* graph_ = nullptr;  // cudaGraph_t
    void* exec_ = nullptr;   // cudaGraphExec_t
};

extern template class CudaBackend<float>;
extern template class CudaBackend<double>;

}  // namespace cadenza::cuda
