// cuda/src/cudnn_lstm.cu: CudnnLstm<T>, cuDNN's LSTM on our parameter layout.
// Built only with CADENZA_WITH_CUDNN=ON. Every cuDNN call is checked.
#include "cadenza/cuda/cudnn_lstm.hpp"

#include <cuda_runtime.h>
#include <cudnn.h>

#include <vector>

namespace cadenza::cuda {

namespace {

void check_cudnn(cudnnStatus_t s, const char* call, const char* file, int line) {
    if (s != CUDNN_STATUS_SUCCESS)
        throw Error(detail::concat(file, ":", line, ": ", call, " failed: ", cudnnGetErrorString(s)));
}
void check_cuda(cudaError_t e, const char* call, const char* file, int line) {
    if (e != cudaSuccess)
        throw Error(detail::concat(file, ":", line, ": ", call, " failed: ", cudaGetErrorName(e), " (",
                                   cudaGetErrorString(e), ")"));
}
#define CADENZA_CUDNN(call) check_cudnn((call), #call, __FILE__, __LINE__)
#define CADENZA_CUDA(call) check_cuda((call), #call, __FILE__, __LINE__)

template <class T>
cudnnDataType_t data_type() {
    return sizeof(T) == 4 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;
}

// A device buffer freed on destruction (errors ignored: destructors must not throw).
struct DeviceBuffer {
    void* p = nullptr;
    size_t bytes = 0;
    void allocate(size_t n) {
        bytes = n;
        CADENZA_CUDA(cudaMalloc(&p, n < 256 ? 256 : n));
    }
    ~DeviceBuffer() {
        if (p) (void)cudaFree(p);
    }
};

}  // namespace

template <class T>
struct CudnnLstm<T>::State {
    CudaBackend<T>* be = nullptr;
    int T_ = 0, B = 0, I = 0, H = 0;
    cudnnHandle_t handle = nullptr;
    cudnnRNNDescriptor_t rnn = nullptr;
    cudnnDropoutDescriptor_t dropout = nullptr;
    cudnnRNNDataDescriptor_t x_desc = nullptr, y_desc = nullptr;
    cudnnTensorDescriptor_t h_desc = nullptr, m_desc = nullptr, b_desc = nullptr;
    DeviceBuffer weights, dweights, work, reserve, seq_lengths, state;  // state: h0 = c0 = 0

    ~State() {
        if (m_desc) cudnnDestroyTensorDescriptor(m_desc);
        if (b_desc) cudnnDestroyTensorDescriptor(b_desc);
        if (h_desc) cudnnDestroyTensorDescriptor(h_desc);
        if (x_desc) cudnnDestroyRNNDataDescriptor(x_desc);
        if (y_desc) cudnnDestroyRNNDataDescriptor(y_desc);
        if (rnn) cudnnDestroyRNNDescriptor(rnn);
        if (dropout) cudnnDestroyDropoutDescriptor(dropout);
        if (handle) cudnnDestroy(handle);
    }

    // Where cuDNN keeps gate `gate` (0..3 = i, f, g, o) of the input (recurrent = false)
    // or recurrent matrix in `space`, and its bias (null for the recurrent ones:
    // a single input bias, as ours).
    void locate(void* space, int gate, bool recurrent, T** m, T** b) {
        void *ma = nullptr, *ba = nullptr;
        CADENZA_CUDNN(cudnnGetRNNWeightParams(handle, rnn, 0, weights.bytes, space,
                                              gate + (recurrent ? 4 : 0), m_desc, &ma, b_desc, &ba));
        *m = static_cast<T*>(ma);
        *b = static_cast<T*>(ba);
    }
};

template <class T>
CudnnLstm<T>::CudnnLstm(CudaBackend<T>& be, int T_, int B, int I, int H) : s_(new State) {
    State& s = *s_;
    s.be = &be;
    s.T_ = T_;
    s.B = B;
    s.I = I;
    s.H = H;
    CADENZA_CUDNN(cudnnCreate(&s.handle));
    CADENZA_CUDNN(cudnnSetStream(s.handle, be.stream()));
    CADENZA_CUDNN(cudnnCreateDropoutDescriptor(&s.dropout));
    CADENZA_CUDNN(cudnnSetDropoutDescriptor(s.dropout, s.handle, 0.0f, nullptr, 0, 0));
    CADENZA_CUDNN(cudnnCreateRNNDescriptor(&s.rnn));
    // FP32 math without tensor cores (no TF32), so the numbers compare with ours.
    CADENZA_CUDNN(cudnnSetRNNDescriptor_v8(s.rnn, CUDNN_RNN_ALGO_STANDARD, CUDNN_LSTM,
                                           CUDNN_RNN_SINGLE_INP_BIAS, CUDNN_UNIDIRECTIONAL,
                                           CUDNN_LINEAR_INPUT, data_type<T>(), data_type<T>(),
                                           CUDNN_FMA_MATH, I, H, H, 1, s.dropout,
                                           CUDNN_RNN_PADDED_IO_DISABLED));
    std::vector<int> lengths(static_cast<size_t>(B), T_);
    CADENZA_CUDNN(cudnnCreateRNNDataDescriptor(&s.x_desc));
    CADENZA_CUDNN(cudnnSetRNNDataDescriptor(s.x_desc, data_type<T>(),
                                            CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED, T_, B, I,
                                            lengths.data(), nullptr));
    CADENZA_CUDNN(cudnnCreateRNNDataDescriptor(&s.y_desc));
    CADENZA_CUDNN(cudnnSetRNNDataDescriptor(s.y_desc, data_type<T>(),
                                            CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED, T_, B, H,
                                            lengths.data(), nullptr));
    int dims[3] = {1, B, H}, strides[3] = {B * H, H, 1};
    CADENZA_CUDNN(cudnnCreateTensorDescriptor(&s.h_desc));
    CADENZA_CUDNN(cudnnSetTensorNdDescriptor(s.h_desc, data_type<T>(), 3, dims, strides));
    CADENZA_CUDNN(cudnnCreateTensorDescriptor(&s.m_desc));
    CADENZA_CUDNN(cudnnCreateTensorDescriptor(&s.b_desc));

    size_t wbytes = 0, work = 0, reserve = 0;
    CADENZA_CUDNN(cudnnGetRNNWeightSpaceSize(s.handle, s.rnn, &wbytes));
    CADENZA_CUDNN(cudnnGetRNNTempSpaceSizes(s.handle, s.rnn, CUDNN_FWD_MODE_TRAINING, s.x_desc,
                                            &work, &reserve));
    s.weights.allocate(wbytes);
    s.dweights.allocate(wbytes);
    s.work.allocate(work);
    s.reserve.allocate(reserve);
    s.seq_lengths.allocate(lengths.size() * sizeof(int));
    CADENZA_CUDA(cudaMemcpy(s.seq_lengths.p, lengths.data(), lengths.size() * sizeof(int),
                            cudaMemcpyHostToDevice));
    s.state.allocate(size_t(B) * H * sizeof(T));
    CADENZA_CUDA(cudaMemset(s.state.p, 0, size_t(B) * H * sizeof(T)));
    CADENZA_CUDA(cudaMemset(s.weights.p, 0, wbytes));
}

template <class T>
CudnnLstm<T>::~CudnnLstm() = default;

template <class T>
void CudnnLstm<T>::set_weights(const T* params) {
    State& s = *s_;
    const int64_t HI = int64_t(s.H) * s.I, HH = int64_t(s.H) * s.H;
    const T* W_ih = params;
    const T* W_hh = params + 4 * HI;
    const T* bias = W_hh + 4 * HH;
    for (int g = 0; g < 4; ++g) {
        T *m = nullptr, *b = nullptr;
        s.locate(s.weights.p, g, false, &m, &b);
        s.be->copy(W_ih + g * HI, m, HI);  // our rows g*H..(g+1)*H of [4H, I] = cuDNN's [H, I]
        if (b) s.be->copy(bias + int64_t(g) * s.H, b, s.H);
        s.locate(s.weights.p, g, true, &m, &b);
        s.be->copy(W_hh + g * HH, m, HH);
        if (b) s.be->fill(b, s.H, T(0));
    }
}

template <class T>
void CudnnLstm<T>::forward(const T* x, T* y) {
    State& s = *s_;
    CADENZA_CUDNN(cudnnRNNForward(s.handle, s.rnn, CUDNN_FWD_MODE_TRAINING,
                                  static_cast<const int32_t*>(s.seq_lengths.p), s.x_desc, x,
                                  s.y_desc, y, s.h_desc, s.state.p, nullptr, s.h_desc, s.state.p,
                                  nullptr, s.weights.bytes, s.weights.p, s.work.bytes, s.work.p,
                                  s.reserve.bytes, s.reserve.p));
}

template <class T>
void CudnnLstm<T>::backward(const T* x, const T* y, const T* dy, T* dx, T* dparams) {
    State& s = *s_;
    const int32_t* lengths = static_cast<const int32_t*>(s.seq_lengths.p);
    CADENZA_CUDNN(cudnnRNNBackwardData_v8(s.handle, s.rnn, lengths, s.y_desc, y, dy, s.x_desc, dx,
                                          s.h_desc, s.state.p, nullptr, nullptr, s.h_desc,
                                          s.state.p, nullptr, nullptr, s.weights.bytes,
                                          s.weights.p, s.work.bytes, s.work.p, s.reserve.bytes,
                                          s.reserve.p));
    CADENZA_CUDA(cudaMemsetAsync(s.dweights.p, 0, s.dweights.bytes, s.be->stream()));
    CADENZA_CUDNN(cudnnRNNBackwardWeights_v8(s.handle, s.rnn, CUDNN_WGRAD_MODE_ADD, lengths,
                                             s.x_desc, x, s.h_desc, s.state.p, s.y_desc, y,
                                             s.dweights.bytes, s.dweights.p, s.work.bytes,
                                             s.work.p, s.reserve.bytes, s.reserve.p));
    const int64_t HI = int64_t(s.H) * s.I, HH = int64_t(s.H) * s.H;
    T* dW_ih = dparams;
    T* dW_hh = dparams + 4 * HI;
    T* db = dW_hh + 4 * HH;
    for (int g = 0; g < 4; ++g) {
        T *m = nullptr, *b = nullptr;
        s.locate(s.dweights.p, g, false, &m, &b);
        s.be->axpy(T(1), m, dW_ih + g * HI, HI);
        if (b) s.be->axpy(T(1), b, db + int64_t(g) * s.H, s.H);
        s.locate(s.dweights.p, g, true, &m, &b);
        s.be->axpy(T(1), m, dW_hh + g * HH, HH);
        if (b) s.be->axpy(T(1), b, db + int64_t(g) * s.H, s.H);
    }
}

template class CudnnLstm<float>;
template class CudnnLstm<double>;

}  // namespace cadenza::cuda
