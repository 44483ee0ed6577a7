// examples/synthetic/train_synthetic.cpp: the paper's model on synthetic melodies.
//
// Builds the model of the paper's Fig. 7 (LSTM 128, Dropout 0.3, LSTM 128,
// Flatten, Dense 256, Dropout 0.3, Dense V), feeds it windows of 100 tokens
// from a synthetic "melody" (a walk whose next step depends on the recent
// past), trains for a few seconds and prints the summary and losses.
//
//   cadenza-synthetic [--seconds S] [--vocab V] [--threads N] [--seed K]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "cadenza/cadenza.hpp"

using namespace cadenza;

namespace {

int int_arg(const char* flag, const char* value) {
    char* end = nullptr;
    long v = std::strtol(value ? value : "", &end, 10);
    if (!value || *end != '\0' || v <= 0 || v > 1000000) {
        std::fprintf(stderr, "cadenza-synthetic: %s expects a positive integer, got '%s'\n", flag,
                     value ? value : "");
        std::exit(2);
    }
    return int(v);
}

// A token stream with structure: motifs of 4 repeated with variations.
std::vector<int> synthetic_melody(int length, int V, uint64_t seed) {
    RandomSequence r(seed, RandomStream::sample, 0, 0);
    std::vector<int> s;
    int motif[4];
    while (int(s.size()) < length) {
        for (int& m : motif) m = int(r.below(uint64_t(V)));
        for (int rep = 0; rep < 4; ++rep)
            for (int k = 0; k < 4; ++k) s.push_back((motif[k] + rep * int(r.below(2))) % V);
    }
    s.resize(size_t(length));
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    int seconds = 10, V = 50, threads = 0, seed = 1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (a == "--seconds") seconds = int_arg("--seconds", v), ++i;
        else if (a == "--vocab") V = int_arg("--vocab", v), ++i;
        else if (a == "--threads") threads = int_arg("--threads", v), ++i;
        else if (a == "--seed") seed = int_arg("--seed", v), ++i;
        else if (a == "--help" || a == "-h") {
            std::puts("usage: cadenza-synthetic [--seconds S] [--vocab V] [--threads N] [--seed K]");
            return 0;
        } else {
            std::fprintf(stderr, "cadenza-synthetic: unknown argument '%s' (try --help)\n", a.c_str());
            return 2;
        }
    }
    const int T = 100, N = 2048;
    auto melody = synthetic_melody(N + T, V, uint64_t(seed));
    Tensor<float> x({N, T, 1});
    std::vector<int32_t> y(N);
    for (int n = 0; n < N; ++n) {
        for (int t = 0; t < T; ++t) x[int64_t(n) * T + t] = float(melody[size_t(n + t)]) / float(V);
        y[size_t(n)] = melody[size_t(n + T)];
    }
    ArrayData<float> train(std::move(x), y);

    auto backend = std::make_shared<EigenBackend<float>>(threads);
    Sequential<float> model(backend);
    model.add<Lstm<float>>(128, true);
    model.add<Dropout<float>>(0.3);
    model.add<Lstm<float>>(128, true);
    model.add<Flatten<float>>();
    model.add<Dense<float>>(256);
    model.add<Dropout<float>>(0.3);
    model.add<Dense<float>>(V);
    model.build({T, 1}, uint64_t(seed));
    std::cout << model.summary() << "\ntraining on " << N << " synthetic windows of " << T
              << " tokens, batch 128, " << backend->threads() << " threads, for about " << seconds
              << " s\n";

    auto start = std::chrono::steady_clock::now();
    FitOptions o;
    o.batch_size = 128;
    o.epochs = 1000;
    o.on_epoch = [&](const EpochStats& s) {
        std::printf("epoch %3d  loss %.4f  accuracy %.3f  (%.2f s)\n", s.epoch, s.loss, s.accuracy,
                    s.seconds);
        std::fflush(stdout);
        double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return elapsed + s.seconds < seconds;
    };
    model.fit(train, o);
    return 0;
}
