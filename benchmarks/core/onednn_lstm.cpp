// benchmarks/core/onednn_lstm.cpp: the same LSTM shapes through oneDNN's
// LSTM primitive (Debian's libdnnl-dev, oneDNN 2.6), the fused RNN that
// PyTorch 2.x runs for nn.LSTM on the CPU (aten::mkldnn_rnn_layer), so a
// kernel comparison needs no Python in the loop. Built into cadenza-bench when
// CMake finds oneDNN (CADENZA_BENCH_ONEDNN).
//
//   OneDnnLstmForward          forward_inference (no workspace: PyTorch's no_grad)
//   OneDnnLstmForwardBackward  forward_training, then backward (diff weights zeroed
//                              first, as PyTorch's zero_grad does)
//
// Weights are given in oneDNN's plain ldigo layout and reordered once, outside
// the timed loop, into the layout each primitive asks for (format_tag::any),
// as PyTorch does when it caches them. No initial state (zeros), as PyTorch
// passes. Threads: oneDNN's OpenMP runtime, OMP_NUM_THREADS like ours.
#include "bench_common.hpp"

#if CADENZA_BENCH_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>

#include <cstring>

namespace {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using cadenza::bench::lstm_forward_flops;
using cadenza::bench::report_flops;

struct OneDnnLstm {
    engine eng{engine::kind::cpu, 0};
    stream strm{eng};
    int T, B, I, H;
    memory::desc src, dst, w_layer_plain, w_iter_plain, bias;
    memory src_m, dst_m, bias_m, w_layer_plain_m, w_iter_plain_m;

    OneDnnLstm(int T_, int B_, int I_, int H_) : T(T_), B(B_), I(I_), H(H_) {
        src = memory::desc({T, B, I}, dt::f32, tag::tnc);
        dst = memory::desc({T, B, H}, dt::f32, tag::tnc);
        w_layer_plain = memory::desc({1, 1, I, 4, H}, dt::f32, tag::ldigo);
        w_iter_plain = memory::desc({1, 1, H, 4, H}, dt::f32, tag::ldigo);
        bias = memory::desc({1, 1, 4, H}, dt::f32, tag::ldgo);
        src_m = filled(src, 1);
        dst_m = memory(dst, eng);
        bias_m = filled(bias, 2);
        w_layer_plain_m = filled(w_layer_plain, 3);
        w_iter_plain_m = filled(w_iter_plain, 4);
    }

    memory filled(const memory::desc& d, uint64_t seed) {
        memory m(d, eng);
        const auto t = cadenza::bench::random_tensor({int64_t(d.get_size() / sizeof(float))}, seed);
        std::memcpy(m.get_data_handle(), t.data(), d.get_size());
        for (float* p = static_cast<float*>(m.get_data_handle()), *e = p + d.get_size() / sizeof(float); p < e; ++p)
            *p *= 0.1f;  // weights of a trained network's size; keeps the gates off saturation
        return m;
    }
    // The plain weights reordered into the layout a primitive wants.
    memory as(const memory& plain, const memory::desc& wanted) {
        if (plain.get_desc() == wanted) return plain;
        memory m(wanted, eng);
        reorder(plain, m).execute(strm, const_cast<memory&>(plain), m);
        strm.wait();
        return m;
    }
    lstm_forward::desc forward_desc(prop_kind kind) const {
        const memory::desc any_layer({1, 1, I, 4, H}, dt::f32, tag::any), any_iter({1, 1, H, 4, H}, dt::f32, tag::any);
        return lstm_forward::desc(kind, rnn_direction::unidirectional_left2right, src, memory::desc(), memory::desc(),
                                  any_layer, any_iter, bias, dst, memory::desc(), memory::desc());
    }
};

void OneDnnLstmForward(benchmark::State& state) {
    const int T = int(state.range(0)), B = int(state.range(1)), I = int(state.range(2)), H = int(state.range(3));
    OneDnnLstm r(T, B, I, H);
    const lstm_forward::primitive_desc pd(r.forward_desc(prop_kind::forward_inference), r.eng);
    memory w_layer = r.as(r.w_layer_plain_m, pd.weights_layer_desc());
    memory w_iter = r.as(r.w_iter_plain_m, pd.weights_iter_desc());
    lstm_forward fwd(pd);
    const std::unordered_map<int, memory> args = {{DNNL_ARG_SRC_LAYER, r.src_m},
                                                  {DNNL_ARG_WEIGHTS_LAYER, w_layer},
                                                  {DNNL_ARG_WEIGHTS_ITER, w_iter},
                                                  {DNNL_ARG_BIAS, r.bias_m},
                                                  {DNNL_ARG_DST_LAYER, r.dst_m}};
    for (auto _ : state) {
        fwd.execute(r.strm, args);
        r.strm.wait();
    }
    report_flops(state, lstm_forward_flops(T, B, I, H));
}

void OneDnnLstmForwardBackward(benchmark::State& state) {
    const int T = int(state.range(0)), B = int(state.range(1)), I = int(state.range(2)), H = int(state.range(3));
    OneDnnLstm r(T, B, I, H);
    const lstm_forward::primitive_desc fpd(r.forward_desc(prop_kind::forward_training), r.eng);
    const memory::desc any_layer({1, 1, I, 4, H}, dt::f32, tag::any), any_iter({1, 1, H, 4, H}, dt::f32, tag::any);
    const memory::desc none;
    const lstm_backward::desc bd(prop_kind::backward, rnn_direction::unidirectional_left2right, r.src, none, none,
                                 any_layer, any_iter, r.bias, r.dst, none, none, r.src, none, none, r.w_layer_plain,
                                 r.w_iter_plain, r.bias, r.dst, none, none);
    const lstm_backward::primitive_desc bpd(bd, r.eng, fpd);
    memory fw_layer = r.as(r.w_layer_plain_m, fpd.weights_layer_desc());
    memory fw_iter = r.as(r.w_iter_plain_m, fpd.weights_iter_desc());
    memory bw_layer = r.as(r.w_layer_plain_m, bpd.weights_layer_desc());
    memory bw_iter = r.as(r.w_iter_plain_m, bpd.weights_iter_desc());
    memory workspace(fpd.workspace_desc(), r.eng);
    memory diff_dst = r.filled(r.dst, 5), diff_src(r.src, r.eng);
    memory diff_w_layer(bpd.diff_weights_layer_desc(), r.eng), diff_w_iter(bpd.diff_weights_iter_desc(), r.eng),
        diff_bias(bpd.diff_bias_desc(), r.eng);
    lstm_forward fwd(fpd);
    lstm_backward bwd(bpd);
    const std::unordered_map<int, memory> fargs = {{DNNL_ARG_SRC_LAYER, r.src_m},   {DNNL_ARG_WEIGHTS_LAYER, fw_layer},
                                                   {DNNL_ARG_WEIGHTS_ITER, fw_iter}, {DNNL_ARG_BIAS, r.bias_m},
                                                   {DNNL_ARG_DST_LAYER, r.dst_m},   {DNNL_ARG_WORKSPACE, workspace}};
    const std::unordered_map<int, memory> bargs = {{DNNL_ARG_SRC_LAYER, r.src_m},
                                                   {DNNL_ARG_WEIGHTS_LAYER, bw_layer},
                                                   {DNNL_ARG_WEIGHTS_ITER, bw_iter},
                                                   {DNNL_ARG_BIAS, r.bias_m},
                                                   {DNNL_ARG_DST_LAYER, r.dst_m},
                                                   {DNNL_ARG_WORKSPACE, workspace},
                                                   {DNNL_ARG_DIFF_DST_LAYER, diff_dst},
                                                   {DNNL_ARG_DIFF_SRC_LAYER, diff_src},
                                                   {DNNL_ARG_DIFF_WEIGHTS_LAYER, diff_w_layer},
                                                   {DNNL_ARG_DIFF_WEIGHTS_ITER, diff_w_iter},
                                                   {DNNL_ARG_DIFF_BIAS, diff_bias}};
    for (auto _ : state) {
        for (memory* m : {&diff_w_layer, &diff_w_iter, &diff_bias})
            std::memset(m->get_data_handle(), 0, m->get_desc().get_size());
        fwd.execute(r.strm, fargs);
        bwd.execute(r.strm, bargs);
        r.strm.wait();
    }
    report_flops(state, 3 * lstm_forward_flops(T, B, I, H));
}

}  // namespace

BENCHMARK(OneDnnLstmForward)
    ->Args({100, 64, 128, 128})
    ->Args({100, 128, 128, 128})
    ->Args({100, 128, 256, 256})
    ->Args({100, 64, 512, 512})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(OneDnnLstmForwardBackward)
    ->Args({100, 128, 128, 128})
    ->Args({100, 128, 256, 256})
    ->Args({100, 64, 512, 512})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#endif
