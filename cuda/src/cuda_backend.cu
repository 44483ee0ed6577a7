// cuda/src/cuda_backend.cu: CudaBackend<T>: device memory, cuBLAS GEMMs and fused kernels.
//
// Every kernel's arithmetic is a call into kernels/*.hpp, the functions the CPU
// backends loop over (CADENZA_HOST_DEVICE); only the indexing lives here.
// Determinism: no atomics. A column sum is one thread per column adding the rows
// in order (in fixed 256-row chunks, then the chunks in order, for long columns); a scalar reduction is a fixed grid of fixed blocks (so a fixed tree)
// followed by one thread adding the block partials in order.
// This file must not reach Eigen: it includes backend.hpp and the kernels only.
#include "cadenza/cuda/cuda_backend.hpp"

#include <cuda_runtime.h>
#include <cublas_v2.h>

#include <string>

#include "cadenza/kernels/adam.hpp"
#include "cadenza/kernels/gru_cell.hpp"
#include "cadenza/kernels/rmsprop.hpp"
#include "cadenza/kernels/sgd.hpp"
#include "cadenza/kernels/dropout.hpp"
#include "cadenza/kernels/lstm_cell.hpp"
#include "cadenza/kernels/softmax_cross_entropy.hpp"

#ifdef EIGEN_WORLD_VERSION
#error "the CUDA backend must not include Eigen"
#endif

namespace cadenza::cuda {

namespace {

// ---- error checking -------------------------------------------------------------
void check_cuda(cudaError_t e, const char* call, const char* file, int line) {
    if (e != cudaSuccess)
        throw Error(detail::concat(file, ":", line, ": ", call, " failed: ", cudaGetErrorName(e),
                                   " (", cudaGetErrorString(e), ")"));
}

const char* cublas_status_name(cublasStatus_t s) {
    switch (s) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
        case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
        case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
        default: return "unknown cuBLAS status";
    }
}

void check_cublas(cublasStatus_t s, const char* call, const char* file, int line) {
    if (s != CUBLAS_STATUS_SUCCESS)
        throw Error(detail::concat(file, ":", line, ": ", call, " failed: ", cublas_status_name(s),
                                   " (", cublasGetStatusString(s), ")"));
}

#define CADENZA_CUDA(call) check_cuda((call), #call, __FILE__, __LINE__)
#define CADENZA_CUBLAS(call) check_cublas((call), #call, __FILE__, __LINE__)
// After a kernel launch: a bad configuration shows up here, not at the next call.
#define CADENZA_LAUNCHED(name) check_cuda(cudaGetLastError(), name, __FILE__, __LINE__)

constexpr int kThreads = 256;
// Fixed reduction geometry: the same tree of additions on every run and device.
constexpr int kReduceBlocks = 256;
constexpr int kReduceThreads = 256;

unsigned blocks_for(int64_t n, int threads = kThreads) {
    int64_t b = (n + threads - 1) / threads;
    return static_cast<unsigned>(b < 1 ? 1 : b);
}

// ---- kernels --------------------------------------------------------------------

template <class T>
__global__ void fill_kernel(T* dst, int64_t n, T value) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) dst[i] = value;
}

// Y[rows, cols] += v[cols]
template <class T>
__global__ void add_row_vector_kernel(T* Y, const T* v, int64_t rows, int64_t cols) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < rows * cols) Y[i] += v[i % cols];
}

// y[c] += X[0, c] + X[1, c] + ... in row order: one thread per column, the
// same additions in the same order as HostBackend (bit-identical to it).
template <class T>
__global__ void column_sum_kernel(const T* X, int64_t rows, int64_t cols, T* y) {
    int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    T acc = y[c];
    for (int64_t r = 0; r < rows; ++r) acc += X[r * cols + c];
    y[c] = acc;
}

// Long columns: fixed chunks of kColumnChunk rows, each summed in order by its
// own thread (partials [chunks, cols]); then the chunks are added in order.
// The chunking depends only on the shape, so the bits do not depend on the device.
constexpr int64_t kColumnChunk = 256;

template <class T>
__global__ void column_chunk_sum_kernel(const T* X, int64_t rows, int64_t cols, T* partials) {
    int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    const int64_t r0 = int64_t(blockIdx.y) * kColumnChunk;
    const int64_t r1 = r0 + kColumnChunk < rows ? r0 + kColumnChunk : rows;
    T acc = T(0);
#pragma unroll 8
    for (int64_t r = r0; r < r1; ++r) acc += X[r * cols + c];
    partials[int64_t(blockIdx.y) * cols + c] = acc;
}

template <class T>
__global__ void column_chunks_total_kernel(const T* partials, int64_t chunks, int64_t cols, T* y) {
    int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    T acc = T(0);
    for (int64_t k = 0; k < chunks; ++k) acc += partials[k * cols + c];
    y[c] += acc;
}

template <class T>
__global__ void multiply_kernel(const T* x, const T* m, T* y, int64_t n) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) y[i] = x[i] * m[i];
}

template <class T>
__global__ void axpy_kernel(T alpha, const T* x, T* y, int64_t n) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) y[i] += alpha * x[i];
}

template <class T>
__global__ void scale_kernel(T* x, T alpha, int64_t n) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= alpha;
}

// Adds one value per thread over the block in a fixed shared-memory tree;
// thread 0 writes the block's total to partials[blockIdx.x].
__device__ void block_total(double acc, double* partials) {
    __shared__ double s[kReduceThreads];
    s[threadIdx.x] = acc;
    __syncthreads();
    for (int w = kReduceThreads / 2; w > 0; w /= 2) {
        if (int(threadIdx.x) < w) s[threadIdx.x] += s[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) partials[blockIdx.x] = s[0];
}

// Block partials of sum x^2 (in double): each thread strides over the input with
// the grid's fixed stride, then block_total.
template <class T>
__global__ void square_partials_kernel(const T* x, int64_t n, double* partials) {
    double acc = 0;
    const int64_t stride = int64_t(kReduceBlocks) * kReduceThreads;
    for (int64_t i = int64_t(blockIdx.x) * kReduceThreads + threadIdx.x; i < n; i += stride) {
        double v = static_cast<double>(x[i]);
        acc += v * v;
    }
    block_total(acc, partials);
}

// The same for a vector of doubles (per-row losses, hit counts).
__global__ void sum_partials_kernel(const double* x, int64_t n, double* partials) {
    double acc = 0;
    const int64_t stride = int64_t(kReduceBlocks) * kReduceThreads;
    for (int64_t i = int64_t(blockIdx.x) * kReduceThreads + threadIdx.x; i < n; i += stride)
        acc += x[i];
    block_total(acc, partials);
}

// One thread adds the block partials in order.
__global__ void ordered_final_sum_kernel(const double* partials, int n, double* out) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    double acc = 0;
    for (int i = 0; i < n; ++i) acc += partials[i];
    *out = acc;
}

// dst[b, a, :] = src[a, b, :], one thread per element of dst.
template <class T>
__global__ void swap_leading_axes_kernel(const T* src, T* dst, int64_t A, int64_t B, int64_t F) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= A * B * F) return;
    int64_t f = i % F, ab = i / F;
    int64_t b = ab / A, a = ab % A;  // dst is [B, A, F]
    dst[i] = src[(a * B + b) * F + f];
}

// One thread per (row b, unit j): kernels::lstm_cell_forward, eq. 1-6.
template <class T>
__global__ void lstm_forward_pointwise_kernel(int B, int H, T* gates, const T* bias,
                                              const T* c_prev, T* c, T* h) {
    int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= int64_t(B) * H) return;
    const int64_t b = e / H;
    const int j = static_cast<int>(e % H);
    // c_prev may alias c: it is read (by value) before c is written.
    kernels::lstm_cell_forward(j, H, gates + b * 4 * H, bias, c_prev[e], c[e], h[e]);
}

// One thread per (row b, unit j): kernels::lstm_cell_backward, eq. 7-12.
template <class T>
__global__ void lstm_backward_pointwise_kernel(int B, int H, const T* gates, const T* c_prev,
                                               const T* c, const T* dy, const T* dh_next, T* dc,
                                               T* dgates) {
    int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= int64_t(B) * H) return;
    const int64_t b = e / H;
    const int j = static_cast<int>(e % H);
    T dh = dh_next[e] + (dy ? dy[e] : T(0));
    kernels::lstm_cell_backward(j, H, gates + b * 4 * H, c_prev[e], c[e], dh, dc[e],
                                dgates + b * 4 * H);
}

// One thread per (row b, unit j): kernels::gru_cell_forward, eq. 18-22.
template <class T>
__global__ void gru_forward_pointwise_kernel(int B, int H, const T* gi, T* gates, const T* b_hh,
                                             const T* h_prev, T* h) {
    int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= int64_t(B) * H) return;
    const int64_t b = e / H;
    const int j = static_cast<int>(e % H);
    kernels::gru_cell_forward(j, H, gi + b * 3 * H, gates + b * 4 * H, b_hh, h_prev[e], h[e]);
}

// One thread per (row b, unit j): kernels::gru_cell_backward, eq. 23-27.
template <class T>
__global__ void gru_backward_pointwise_kernel(int B, int H, const T* gates, const T* h_prev, const T* dy,
                                              T* dh, T* dgi, T* dgh) {
    int64_t e = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (e >= int64_t(B) * H) return;
    const int64_t b = e / H;
    const int j = static_cast<int>(e % H);
    T d = dh[e] + (dy ? dy[e] : T(0));
    kernels::gru_cell_backward(j, H, gates + b * 4 * H, h_prev[e], d, dgi + b * 3 * H, dgh + b * 3 * H);
    dh[e] = d;
}

// One thread per row: kernels::softmax_cross_entropy_row; the row's loss in double.
template <class T>
__global__ void softmax_cross_entropy_kernel(int64_t rows, int V, const T* logits,
                                             const int32_t* targets, T dloss, T* dlogits,
                                             double* row_loss) {
    int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    row_loss[r] = static_cast<double>(kernels::softmax_cross_entropy_row(
        V, logits + r * V, targets[r], dloss, dlogits ? dlogits + r * V : nullptr));
}

// One thread per row: 1 when the target is among the top k (kernels::target_in_top_k).
template <class T>
__global__ void top_k_kernel(int64_t rows, int V, const T* logits, const int32_t* targets, int k,
                             double* hit) {
    int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    hit[r] = kernels::target_in_top_k(V, logits + r * V, targets[r], k) ? 1.0 : 0.0;
}

// One thread per block of 4 elements: kernels::dropout_block, the CPU's masks
// (mask's block 0 is Philox block key_block).
template <class T>
__global__ void dropout_mask_kernel(T* mask, int64_t n, T p, T keep, uint64_t seed,
                                    uint64_t step, uint32_t layer, uint64_t key_block) {
    int64_t blk = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (blk * 4 >= n) return;
    T m[4];
    kernels::dropout_block(seed, step, layer, key_block + uint64_t(blk), p, keep, m);
    for (int k = 0; k < 4 && blk * 4 + k < n; ++k) mask[blk * 4 + k] = m[k];
}

// A mask whose first key is inside a Philox block: one thread per element.
template <class T>
__global__ void dropout_mask_unaligned_kernel(T* mask, int64_t n, T p, T keep, uint64_t seed, uint64_t step,
                                              uint32_t layer, uint64_t first_key) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const uint64_t key = first_key + uint64_t(i);
    T m[4];
    kernels::dropout_block(seed, step, layer, key / 4, p, keep, m);
    mask[i] = m[key % 4];
}

// out[r, k] = table[ids[r], k]
template <class T>
__global__ void embedding_forward_kernel(const T* ids, int64_t rows, const T* table, int dim,
                                         T* out) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= rows * dim) return;
    int64_t r = i / dim;
    int k = static_cast<int>(i % dim);
    out[i] = table[static_cast<int64_t>(ids[r]) * dim + k];
}

// dtable[v, k] += dout[r, k] for every r with ids[r] == v, r ascending: one
// block per table row v, one thread per column k. No atomics, and each element
// sees the CPU's additions in the CPU's order.
template <class T>
__global__ void embedding_backward_kernel(const T* ids, int64_t rows, const T* dout, int dim,
                                          T* dtable) {
    const int64_t v = blockIdx.x;
    for (int k = threadIdx.x; k < dim; k += blockDim.x) {
        T acc = dtable[v * dim + k];
        bool touched = false;
        for (int64_t r = 0; r < rows; ++r)
            if (static_cast<int64_t>(ids[r]) == v) {
                acc += dout[r * dim + k];
                touched = true;
            }
        if (touched) dtable[v * dim + k] = acc;
    }
}

// The largest id + 1, so the backward launches one block per table row in use.
template <class T>
__global__ void max_id_kernel(const T* ids, int64_t rows, double* out) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    double m = -1;
    for (int64_t r = 0; r < rows; ++r) m = static_cast<double>(ids[r]) > m ? static_cast<double>(ids[r]) : m;
    *out = m;
}

// One thread per parameter: kernels::adam_update_element.
template <class T>
__global__ void adam_kernel(T* params, const T* grads, T* m, T* v, int64_t n,
                            kernels::AdamStepConstants<T> k) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) kernels::adam_update_element(params[i], grads[i], m[i], v[i], k);
}

// One thread per parameter: kernels::sgd_update_element.
template <class T>
__global__ void sgd_kernel(T* params, const T* grads, T* buf, int64_t n, kernels::SgdStepConstants<T> k) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n) return;
    T unused = T(0);
    kernels::sgd_update_element(params[i], grads[i], buf ? buf[i] : unused, k);
}

// One thread per parameter: kernels::rmsprop_update_element.
template <class T>
__global__ void rmsprop_kernel(T* params, const T* grads, T* v, T* avg_g, T* buf, int64_t n,
                               kernels::RmspropStepConstants<T> k) {
    int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= n) return;
    T unused_a = T(0), unused_b = T(0);
    kernels::rmsprop_update_element(params[i], grads[i], v[i], avg_g ? avg_g[i] : unused_a, buf ? buf[i] : unused_b,
                                    k);
}

// ---- cuBLAS by element type -------------------------------------------------------
cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                         int n, int k, const float* alpha, const float* A, int lda,
                         const float* B, int ldb, const float* beta, float* C, int ldc) {
    return cublasSgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                         int n, int k, const double* alpha, const double* A, int lda,
                         const double* B, int ldb, const double* beta, double* C, int ldc) {
    return cublasDgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

// Frees device memory when the last tensor sharing it goes. Errors are
// swallowed: a deleter must not throw, and a failed free leaks at worst.
struct DeviceFree {
    void operator()(void* p) const {
        if (p) (void)cudaFree(p);
    }
};

std::shared_ptr<void> device_alloc(size_t bytes) {
    void* p = nullptr;
    // At least 256 bytes, so that even an empty tensor has a distinct address.
    CADENZA_CUDA(cudaMalloc(&p, bytes < 256 ? 256 : bytes));
    return std::shared_ptr<void>(p, DeviceFree{});
}

constexpr size_t kCublasWorkspaceBytes = size_t(32) << 20;  // NVIDIA's advice for Hopper

}  // namespace

// ---- device queries ----------------------------------------------------------------

int cuda_device_count() {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError();  // clear the sticky "no device" error
        return 0;
    }
    return n;
}

bool cuda_device_available() { return cuda_device_count() > 0; }

std::string cuda_device_name(int device) {
    cudaDeviceProp prop{};
    CADENZA_CUDA(cudaGetDeviceProperties(&prop, device));
    return prop.name;
}

// ---- CudaBackend ----------------------------------------------------------------------

template <class T>
CudaBackend<T>::CudaBackend(int device) : device_(device) {
    CADENZA_CHECK(cuda_device_available(), "CudaBackend: no CUDA device is available");
    CADENZA_CUDA(cudaSetDevice(device));
    cudaStream_t s = nullptr;
    CADENZA_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    stream_ = s;
    try {
        cublasHandle_t h = nullptr;
        CADENZA_CUBLAS(cublasCreate(&h));
        cublas_ = h;
        CADENZA_CUBLAS(cublasSetStream(h, s));
        // Our own workspace: cuBLAS then never allocates, so a step can be
        // captured in a CUDA Graph.
        CADENZA_CUDA(cudaMalloc(&cublas_workspace_, kCublasWorkspaceBytes));
        CADENZA_CUBLAS(cublasSetWorkspace(h, cublas_workspace_, kCublasWorkspaceBytes));
        // Full FP32 GEMMs (no TF32): results comparable with the CPU's.
        CADENZA_CUBLAS(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
        CADENZA_CUDA(cudaMallocHost(reinterpret_cast<void**>(&host_result_), sizeof(double)));
    } catch (...) {
        if (cublas_) cublasDestroy(cublas_);
        if (cublas_workspace_) cudaFree(cublas_workspace_);
        cudaStreamDestroy(s);
        throw;
    }
}

template <class T>
CudaBackend<T>::~CudaBackend() {
    // Destructors must not throw: errors here are ignored.
    if (stream_) (void)cudaStreamSynchronize(stream_);
    if (cublas_) (void)cublasDestroy(cublas_);
    if (cublas_workspace_) (void)cudaFree(cublas_workspace_);
    if (scratch_) (void)cudaFree(scratch_);
    if (host_result_) (void)cudaFreeHost(host_result_);
    if (stream_) (void)cudaStreamDestroy(stream_);
}

template <class T>
void* CudaBackend<T>::scratch(size_t bytes) {
    if (bytes > scratch_bytes_) {
        // The old buffer may still be read by queued work.
        CADENZA_CUDA(cudaStreamSynchronize(stream_));
        if (scratch_) CADENZA_CUDA(cudaFree(scratch_));
        scratch_ = nullptr;
        size_t grown = bytes < 4096 ? 4096 : bytes;
        CADENZA_CUDA(cudaMalloc(&scratch_, grown));
        scratch_bytes_ = grown;
    }
    return scratch_;
}

template <class T>
double* CudaBackend<T>::row_buffer(int64_t rows) {
    double* base = static_cast<double*>(scratch(sizeof(double) * size_t(kReduceBlocks + 1 + rows)));
    return base + kReduceBlocks + 1;
}

template <class T>
Tensor<T> CudaBackend<T>::zeros(Shape shape) {
    const size_t bytes = static_cast<size_t>(shape.numel()) * sizeof(T);
    std::shared_ptr<void> mem = device_alloc(bytes);
    if (bytes > 0) CADENZA_CUDA(cudaMemsetAsync(mem.get(), 0, bytes, stream_));
    return Tensor<T>(shape, Device::cuda, std::move(mem));
}

template <class T>
void CudaBackend<T>::upload(const T* host_src, T* dst, int64_t n) {
    if (n <= 0) return;
    CADENZA_CUDA(cudaMemcpyAsync(dst, host_src, size_t(n) * sizeof(T), cudaMemcpyHostToDevice,
                                 stream_));
    // The caller may reuse host_src (often a stack variable) right away.
    CADENZA_CUDA(cudaStreamSynchronize(stream_));
}

template <class T>
void CudaBackend<T>::download(const T* src, T* host_dst, int64_t n) {
    if (n <= 0) return;
    CADENZA_CUDA(cudaMemcpyAsync(host_dst, src, size_t(n) * sizeof(T), cudaMemcpyDeviceToHost,
                                 stream_));
    CADENZA_CUDA(cudaStreamSynchronize(stream_));
}

template <class T>
void CudaBackend<T>::copy(const T* src, T* dst, int64_t n) {
    if (n <= 0 || src == dst) return;
    CADENZA_CUDA(cudaMemcpyAsync(dst, src, size_t(n) * sizeof(T), cudaMemcpyDeviceToDevice,
                                 stream_));
}

template <class T>
void CudaBackend<T>::fill(T* dst, int64_t n, T value) {
    if (n <= 0) return;
    fill_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(dst, n, value);
    CADENZA_LAUNCHED("fill_kernel");
}

template <class T>
void CudaBackend<T>::synchronize() {
    CADENZA_CUDA(cudaStreamSynchronize(stream_));
}

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: a row-major
// matrix with row stride ld is its own transpose in column-major with the same
// ld, so cuBLAS gets B before A, N before M, and the same transpose flags.
template <class T>
void CudaBackend<T>::gemm(Trans ta, Trans tb, int M, int N, int K, T alpha, const T* A, int lda,
                          const T* B, int ldb, T beta, T* C, int ldc) {
    if (M <= 0 || N <= 0) return;
    const cublasOperation_t opA = ta == Trans::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opB = tb == Trans::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
    check_cublas(gemm_call(cublas_, opB, opA, N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc),
                 sizeof(T) == 4 ? "cublasSgemm" : "cublasDgemm", __FILE__, __LINE__);
}

template <class T>
void CudaBackend<T>::add_row_vector(T* Y, const T* v, int64_t rows, int64_t cols) {
    if (rows * cols <= 0) return;
    add_row_vector_kernel<<<blocks_for(rows * cols), kThreads, 0, stream_>>>(Y, v, rows, cols);
    CADENZA_LAUNCHED("add_row_vector_kernel");
}

template <class T>
void CudaBackend<T>::accumulate_column_sum(const T* X, int64_t rows, int64_t cols, T* y) {
    if (rows <= 0 || cols <= 0) return;
    if (rows <= kColumnChunk) {  // one pass, the CPU's order: bit-identical to HostBackend
        column_sum_kernel<<<blocks_for(cols, 128), 128, 0, stream_>>>(X, rows, cols, y);
        CADENZA_LAUNCHED("column_sum_kernel");
        return;
    }
    const int64_t chunks = (rows + kColumnChunk - 1) / kColumnChunk;
    CADENZA_CHECK(chunks < 65536, "accumulate_column_sum: ", rows, " rows is more than supported");
    T* partials = static_cast<T*>(scratch(size_t(chunks * cols) * sizeof(T)));
    dim3 grid(blocks_for(cols, 128), static_cast<unsigned>(chunks));
    column_chunk_sum_kernel<<<grid, 128, 0, stream_>>>(X, rows, cols, partials);
    CADENZA_LAUNCHED("column_chunk_sum_kernel");
    column_chunks_total_kernel<<<blocks_for(cols, 128), 128, 0, stream_>>>(partials, chunks, cols, y);
    CADENZA_LAUNCHED("column_chunks_total_kernel");
}

template <class T>
void CudaBackend<T>::multiply(const T* x, const T* m, T* y, int64_t n) {
    if (n <= 0) return;
    multiply_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(x, m, y, n);
    CADENZA_LAUNCHED("multiply_kernel");
}

template <class T>
void CudaBackend<T>::axpy(T alpha, const T* x, T* y, int64_t n) {
    if (n <= 0) return;
    axpy_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(alpha, x, y, n);
    CADENZA_LAUNCHED("axpy_kernel");
}

template <class T>
void CudaBackend<T>::scale(T* x, T alpha, int64_t n) {
    if (n <= 0) return;
    scale_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(x, alpha, n);
    CADENZA_LAUNCHED("scale_kernel");
}

template <class T>
double CudaBackend<T>::finish_ordered_sum(double* partials) {
    ordered_final_sum_kernel<<<1, 1, 0, stream_>>>(partials, kReduceBlocks, partials + kReduceBlocks);
    CADENZA_LAUNCHED("ordered_final_sum_kernel");
    CADENZA_CUDA(cudaMemcpyAsync(host_result_, partials + kReduceBlocks, sizeof(double),
                                 cudaMemcpyDeviceToHost, stream_));
    CADENZA_CUDA(cudaStreamSynchronize(stream_));
    return *host_result_;
}

template <class T>
double CudaBackend<T>::ordered_sum(const double* values, int64_t n) {
    if (n <= 0) return 0.0;
    // scratch layout: [partials kReduceBlocks | result 1 | row values (row_buffer)]
    double* partials = static_cast<double*>(scratch(sizeof(double) * (kReduceBlocks + 1)));
    sum_partials_kernel<<<kReduceBlocks, kReduceThreads, 0, stream_>>>(values, n, partials);
    CADENZA_LAUNCHED("sum_partials_kernel");
    return finish_ordered_sum(partials);
}

template <class T>
double CudaBackend<T>::sum_of_squares(const T* x, int64_t n) {
    if (n <= 0) return 0.0;
    double* partials = static_cast<double*>(scratch(sizeof(double) * (kReduceBlocks + 1)));
    square_partials_kernel<<<kReduceBlocks, kReduceThreads, 0, stream_>>>(x, n, partials);
    CADENZA_LAUNCHED("square_partials_kernel");
    return finish_ordered_sum(partials);
}

template <class T>
void CudaBackend<T>::swap_leading_axes(const T* src, T* dst, int64_t A, int64_t B, int64_t F) {
    const int64_t n = A * B * F;
    if (n <= 0) return;
    swap_leading_axes_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(src, dst, A, B, F);
    CADENZA_LAUNCHED("swap_leading_axes_kernel");
}

template <class T>
void CudaBackend<T>::lstm_forward_pointwise(int B, int H, T* gates, const T* bias,
                                            const T* c_prev, T* c, T* h) {
    const int64_t n = int64_t(B) * H;
    if (n <= 0) return;
    lstm_forward_pointwise_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(B, H, gates, bias,
                                                                           c_prev, c, h);
    CADENZA_LAUNCHED("lstm_forward_pointwise_kernel");
}

template <class T>
void CudaBackend<T>::lstm_backward_pointwise(int B, int H, const T* gates, const T* c_prev,
                                             const T* c, const T* dy, const T* dh_next, T* dc,
                                             T* dgates) {
    const int64_t n = int64_t(B) * H;
    if (n <= 0) return;
    lstm_backward_pointwise_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(
        B, H, gates, c_prev, c, dy, dh_next, dc, dgates);
    CADENZA_LAUNCHED("lstm_backward_pointwise_kernel");
}

template <class T>
double CudaBackend<T>::softmax_cross_entropy(int64_t rows, int V, const T* logits,
                                             const int32_t* targets, T dloss_per_row,
                                             T* dlogits) {
    if (rows <= 0) return 0.0;
    double* rl = row_buffer(rows);
    softmax_cross_entropy_kernel<<<blocks_for(rows, 128), 128, 0, stream_>>>(
        rows, V, logits, targets, dloss_per_row, dlogits, rl);
    CADENZA_LAUNCHED("softmax_cross_entropy_kernel");
    return ordered_sum(rl, rows);
}

template <class T>
int64_t CudaBackend<T>::count_top_k(int64_t rows, int V, const T* logits,
                                    const int32_t* targets, int k) {
    if (rows <= 0) return 0;
    double* h = row_buffer(rows);
    top_k_kernel<<<blocks_for(rows, 128), 128, 0, stream_>>>(rows, V, logits, targets, k, h);
    CADENZA_LAUNCHED("top_k_kernel");
    return static_cast<int64_t>(ordered_sum(h, rows) + 0.5);  // a sum of ones: exact
}

template <class T>
std::shared_ptr<int32_t> CudaBackend<T>::upload_targets(const int32_t* host, int64_t n) {
    std::shared_ptr<void> mem = device_alloc(size_t(n > 0 ? n : 1) * sizeof(int32_t));
    if (n > 0) {
        CADENZA_CUDA(cudaMemcpyAsync(mem.get(), host, size_t(n) * sizeof(int32_t),
                                     cudaMemcpyHostToDevice, stream_));
        CADENZA_CUDA(cudaStreamSynchronize(stream_));
    }
    return std::static_pointer_cast<int32_t>(mem);
}

template <class T>
void CudaBackend<T>::dropout_mask(T* mask, int64_t n, T p, uint64_t seed, uint64_t step, uint32_t layer,
                                  uint64_t first_key) {
    if (n <= 0) return;
    const T keep = T(1) / (T(1) - p);  // as HostBackend computes it
    if (first_key % 4 != 0) {
        dropout_mask_unaligned_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(mask, n, p, keep, seed, step, layer,
                                                                               first_key);
        CADENZA_LAUNCHED("dropout_mask_unaligned_kernel");
        return;
    }
    const int64_t blocks4 = (n + 3) / 4;
    dropout_mask_kernel<<<blocks_for(blocks4), kThreads, 0, stream_>>>(mask, n, p, keep, seed,
                                                                       step, layer, first_key / 4);
    CADENZA_LAUNCHED("dropout_mask_kernel");
}

template <class T>
void CudaBackend<T>::embedding_forward(const T* ids, int64_t rows, const T* table, int dim,
                                       T* out) {
    const int64_t n = rows * dim;
    if (n <= 0) return;
    embedding_forward_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(ids, rows, table, dim, out);
    CADENZA_LAUNCHED("embedding_forward_kernel");
}

template <class T>
void CudaBackend<T>::embedding_backward(const T* ids, int64_t rows, const T* dout, int dim,
                                        T* dtable) {
    if (rows <= 0 || dim <= 0) return;
    // The table's size is not passed: launch one block per row up to the largest id.
    double* top = static_cast<double*>(scratch(sizeof(double)));
    max_id_kernel<<<1, 1, 0, stream_>>>(ids, rows, top);
    CADENZA_LAUNCHED("max_id_kernel");
    CADENZA_CUDA(cudaMemcpyAsync(host_result_, top, sizeof(double), cudaMemcpyDeviceToHost, stream_));
    CADENZA_CUDA(cudaStreamSynchronize(stream_));
    const int64_t used_rows = static_cast<int64_t>(*host_result_) + 1;
    if (used_rows <= 0) return;
    const int threads = dim >= 128 ? 128 : ((dim + 31) / 32) * 32;
    embedding_backward_kernel<<<static_cast<unsigned>(used_rows), threads, 0, stream_>>>(
        ids, rows, dout, dim, dtable);
    CADENZA_LAUNCHED("embedding_backward_kernel");
}

template <class T>
void CudaBackend<T>::adam_update(T* params, const T* grads, T* m, T* v, int64_t n,
                                 const kernels::AdamStepConstants<T>& k) {
    if (n <= 0) return;
    adam_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(params, grads, m, v, n, k);
    CADENZA_LAUNCHED("adam_kernel");
}

template <class T>
void CudaBackend<T>::sgd_update(T* params, const T* grads, T* buf, int64_t n, const kernels::SgdStepConstants<T>& k) {
    if (n <= 0) return;
    sgd_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(params, grads, buf, n, k);
    CADENZA_LAUNCHED("sgd_kernel");
}

template <class T>
void CudaBackend<T>::rmsprop_update(T* params, const T* grads, T* v, T* avg_g, T* buf, int64_t n,
                                    const kernels::RmspropStepConstants<T>& k) {
    if (n <= 0) return;
    rmsprop_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(params, grads, v, avg_g, buf, n, k);
    CADENZA_LAUNCHED("rmsprop_kernel");
}

template <class T>
void CudaBackend<T>::gru_forward_pointwise(int B, int H, const T* gi, T* gates, const T* b_hh, const T* h_prev,
                                           T* h) {
    const int64_t n = int64_t(B) * H;
    if (n <= 0) return;
    gru_forward_pointwise_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(B, H, gi, gates, b_hh, h_prev, h);
    CADENZA_LAUNCHED("gru_forward_pointwise_kernel");
}

template <class T>
void CudaBackend<T>::gru_backward_pointwise(int B, int H, const T* gates, const T* h_prev, const T* dy, T* dh,
                                            T* dgi, T* dgh) {
    const int64_t n = int64_t(B) * H;
    if (n <= 0) return;
    gru_backward_pointwise_kernel<<<blocks_for(n), kThreads, 0, stream_>>>(B, H, gates, h_prev, dy, dh, dgi, dgh);
    CADENZA_LAUNCHED("gru_backward_pointwise_kernel");
}

template class CudaBackend<float>;
template class CudaBackend<double>;

// ---- CudaGraph ----------------------------------------------------------------------------

CudaGraph::~CudaGraph() { reset(); }

void CudaGraph::reset() {
    if (exec_) (void)cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_));
    if (graph_) (void)cudaGraphDestroy(static_cast<cudaGraph_t>(graph_));
    exec_ = graph_ = nullptr;
}

void CudaGraph::capture(CUstream_st* stream, const std::function<void()>& fn) {
    reset();
    stream_ = stream;
    // Relaxed: other threads' unrelated CUDA calls do not invalidate the capture.
    CADENZA_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed));
    try {
        fn();
    } catch (...) {
        cudaGraph_t broken = nullptr;
        (void)cudaStreamEndCapture(stream, &broken);
        if (broken) (void)cudaGraphDestroy(broken);
        throw;
    }
    cudaGraph_t g = nullptr;
    CADENZA_CUDA(cudaStreamEndCapture(stream, &g));
    graph_ = g;
    cudaGraphExec_t e = nullptr;
    CADENZA_CUDA(cudaGraphInstantiate(&e, g, 0));
    exec_ = e;
}

void CudaGraph::launch() {
    CADENZA_CHECK(exec_ != nullptr, "CudaGraph::launch: nothing was captured");
    CADENZA_CUDA(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec_), stream_));
}

}  // namespace cadenza::cuda
