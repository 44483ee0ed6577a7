// benchmarks/core/bench_common.hpp: what the CPU benchmark files share: the
// machine they run on, the flop counts of an LSTM, GFLOP/s counters with the
// share of the FMA peak, and random inputs.
#pragma once

#include <benchmark/benchmark.h>
#include <omp.h>

#include "cadenza/cadenza.hpp"
#include "machine.hpp"

namespace cadenza::bench {

// Described once by main() before any benchmark runs.
inline Machine& machine() {
    static Machine m;
    return m;
}

// 2 flops per multiply-add of the forward's GEMMs: X . W_ih^T and h . W_hh^T
// over T steps of B rows. The backward's GEMMs are twice that (eq. 13-15, 17).
inline double lstm_forward_flops(double T, double B, double I, double H) { return 2 * T * B * 4 * H * (I + H); }

// GFLOP/s and the share of the machine's measured FMA peak (for the threads
// the benchmark runs on: OMP_NUM_THREADS, all cores by default).
inline void report_flops(benchmark::State& state, double flops) {
    const double peak = omp_get_max_threads() > 1 ? machine().peak_all : machine().peak_1;
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["%peak"] =
        benchmark::Counter(flops * 1e-9 * 100 / peak, benchmark::Counter::kIsIterationInvariantRate);
}

inline Tensor<float> random_tensor(Shape s, uint64_t seed) {
    Tensor<float> t(s);
    RandomSequence r(seed, RandomStream::sample, 0, 0);
    for (int64_t i = 0; i < t.numel(); ++i) t[i] = float(r.uniform(-1, 1));
    return t;
}

}  // namespace cadenza::bench
