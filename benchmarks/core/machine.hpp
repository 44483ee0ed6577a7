// benchmarks/core/machine.hpp: what every benchmark table must say about the
// machine it ran on: the CPU model, its SIMD flags, the vector path the
// binary was compiled for, and a measured FMA peak (GFLOP/s of one thread and
// of all threads running independent FMA chains), so that every result can be
// read as a share of what the machine can do.
#pragma once

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cadenza/backend/packed_gemm.hpp"

namespace cadenza::bench {

struct Machine {
    std::string cpu_model = "unknown";
    std::string simd_flags;  // the ones that matter here: sse4_2 avx avx2 fma avx512f ...
    std::string compiled_for;  // the vector path of this binary
    double peak_1 = 0;      // GFLOP/s, one thread
    double peak_all = 0;    // GFLOP/s, all threads
    int threads = 1;
};

inline std::string compiled_isa() {
#if defined(__AVX512F__)
    return "AVX-512 (zmm, 32 registers)";
#elif defined(__AVX2__) && defined(__FMA__)
    return "AVX2 + FMA (ymm, 16 registers)";
#elif defined(__AVX__)
    return "AVX (ymm, no FMA)";
#else
    return "SSE2 (xmm)";
#endif
}

// GFLOP/s of `threads` threads each running 12 independent FMA chains on the
// widest vectors this binary uses (the most any kernel of it can reach).
inline double fma_peak(int threads) {
    using V = packed_gemm::Vec<float>;
    constexpr int lanes = int(sizeof(V) / sizeof(float));
    const long iterations = 4'000'000;
    double best = 0;
    for (int repeat = 0; repeat < 5; ++repeat) {
        const auto t0 = std::chrono::steady_clock::now();
        float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
            V a[12], b, c;
            for (int i = 0; i < 12; ++i)
                for (int l = 0; l < lanes; ++l) a[i][l] = 1.0f + 1e-3f * float(i + l);
            for (int l = 0; l < lanes; ++l) b[l] = 0.999999f, c[l] = 1e-7f;
            for (long k = 0; k < iterations; ++k)
                for (int i = 0; i < 12; ++i) a[i] = a[i] * b + c;  // contracted to FMA
            for (int i = 0; i < 12; ++i) sink += a[i][0];
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, 2.0 * lanes * 12 * double(iterations) * threads / seconds);
        if (sink == 12345.0f) std::puts("");  // keep the work
    }
    return best * 1e-9;
}

inline Machine describe_machine() {
    Machine m;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, flags;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0 && m.cpu_model == "unknown") m.cpu_model = line.substr(line.find(':') + 2);
        if (line.rfind("flags", 0) == 0 && flags.empty()) flags = line.substr(line.find(':') + 2);
    }
    std::istringstream words(flags);
    for (std::string w; words >> w;)
        for (const char* keep : {"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                                 "avx512_bf16", "amx_tile"})
            if (w == keep) m.simd_flags += (m.simd_flags.empty() ? "" : " ") + w;
    m.compiled_for = compiled_isa();
    m.threads = omp_get_max_threads();
    m.peak_1 = fma_peak(1);
    m.peak_all = m.threads > 1 ? fma_peak(m.threads) : m.peak_1;
    return m;
}

}  // namespace cadenza::bench
