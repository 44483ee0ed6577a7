// cadenza/cuda/cudnn_lstm.hpp: cuDNN's LSTM on our parameter layout (CADENZA_WITH_CUDNN).
//
// A baseline for the benchmarks and a second oracle for the tests: one
// unidirectional LSTM layer run by cuDNN (cudnnRNNForward, cudnnRNNBackwardData_v8,
// cudnnRNNBackwardWeights_v8), on the same parameters as our Lstm layer:
//   params: W_ih [4H, I], W_hh [4H, H], b [4H], gates i, f, g, o (PyTorch's order)
// cuDNN keeps its own weight space; set_weights copies ours in, backward adds its
// gradients into ours. h0 = c0 = 0. Only built with -DCADENZA_WITH_CUDNN=ON
// (then CADENZA_HAVE_CUDNN is defined for users of cadenza::cuda).
#pragma once

#include <memory>

#include "cadenza/cuda/cuda_backend.hpp"

namespace cadenza::cuda {

template <class T>
class CudnnLstm {
public:
    // Sequences x [T, B, I] -> y [T, B, H], on be's stream.
    CudnnLstm(CudaBackend<T>& be, int T_, int B, int I, int H);
    ~CudnnLstm();
    CudnnLstm(const CudnnLstm&) = delete;
    CudnnLstm& operator=(const CudnnLstm&) = delete;

    // params: our layout (device memory), 4H*I + 4H*H + 4H values.
    void set_weights(const T* params);
    // Training-mode forward (keeps cuDNN's reserve space for backward).
    void forward(const T* x, T* y);
    // dy [T, B, H] -> dx [T, B, I] (overwritten); dparams (our layout) += dW.
    void backward(const T* x, const T* y, const T* dy, T* dx, T* dparams);

private:
    struct State;
    std::unique_ptr<State> s_;
};

extern template class CudnnLstm<float>;
extern template class CudnnLstm<double>;

}  // namespace cadenza::cuda
