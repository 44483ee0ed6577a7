// benchmarks/core/main.cpp: cadenza-bench's entry point. Every table it
// prints starts with the machine: CPU model, SIMD flags, the vector path this
// binary was compiled for, and the measured FMA peak.
//
//   build/bin/cadenza-bench [--benchmark_filter=REGEX] [Google Benchmark flags]
#include "bench_common.hpp"

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    auto& machine = cadenza::bench::machine();
    machine = cadenza::bench::describe_machine();
    char peaks[128];
    std::snprintf(peaks, sizeof peaks, "%.1f GFLOP/s (1 thread), %.1f GFLOP/s (%d threads)", machine.peak_1,
                  machine.peak_all, machine.threads);
    benchmark::AddCustomContext("cpu", machine.cpu_model);
    benchmark::AddCustomContext("simd_flags", machine.simd_flags);
    benchmark::AddCustomContext("compiled_for", machine.compiled_for);
    benchmark::AddCustomContext("fma_peak", peaks);
    benchmark::AddCustomContext("fma_peak_1", std::to_string(machine.peak_1));
    benchmark::AddCustomContext("fma_peak_all", std::to_string(machine.peak_all));
    benchmark::AddCustomContext("onednn", CADENZA_BENCH_ONEDNN ? "built in (OneDnn* cases)" : "not built");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
