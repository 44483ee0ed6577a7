// examples/own_sequences/train_own_sequences.cpp: train an LSTM on your own
// sequences and let it continue one. Uses only Cadenza's installed headers.
//
//   train-own-sequences FILE [--epochs N] [--window T] [--units H] [--continue N] [--save MODEL]
//
// FILE holds one sequence per line, its tokens separated by spaces: words,
// notes, numbers, anything ("C4 E4 G4 E4", "3 1 4 1 5 9"). The model is
// Embedding -> LSTM -> Dense, predicting the next token at every step of
// windows cut from the sequences; after training it continues the first
// sequence's first window by its most likely tokens and prints them.
#include <cadenza/cadenza.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace cadenza;

namespace {

struct Options {
    std::string file, save;
    int epochs = 30, window = 16, units = 64, continuation = 20;
};

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(
        stderr,
        "train-own-sequences: %s\nusage: train-own-sequences FILE [--epochs N] [--window T] "
        "[--units H] [--continue N] [--save MODEL]\n",
        why.c_str());
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto number = [&](int& field) {
            if (i + 1 >= argc) usage(arg + " needs a number");
            char* end = nullptr;
            const long v = std::strtol(argv[++i], &end, 10);
            if (*end != '\0' || v < 1 || v > 100000)
                usage(arg + " needs a whole number from 1 to 100000");
            field = int(v);
        };
        if (arg == "--epochs") number(o.epochs);
        else if (arg == "--window") number(o.window);
        else if (arg == "--units") number(o.units);
        else if (arg == "--continue") number(o.continuation);
        else if (arg == "--save" && i + 1 < argc) o.save = argv[++i];
        else if (arg == "--help") usage("train an LSTM on your own sequences");
        else if (!arg.empty() && arg[0] == '-') usage("unknown option " + arg);
        else if (o.file.empty()) o.file = arg;
        else usage("one FILE only");
    }
    if (o.file.empty()) usage("give the FILE of sequences");
    return o;
}

// Every window of T+1 tokens in one sequence: T inputs and the T tokens that follow each.
class Windows final : public BatchSource<float> {
public:
    Windows(std::vector<std::vector<int>> sequences, int T) : seqs_(std::move(sequences)), T_(T) {
        for (size_t s = 0; s < seqs_.size(); ++s)
            for (size_t o = 0; o + size_t(T) < seqs_[s].size(); ++o) starts_.push_back({s, o});
    }
    int64_t size() const override { return int64_t(starts_.size()); }
    Shape sample_shape() const override { return {T_, 1}; }
    int64_t targets_per_sample() const override { return T_; }
    // x [T, B, 1]: token ids; targets [T, B]: the next token at every step.
    void fill(const int64_t* samples, int64_t B, float* x, int32_t* targets) const override {
        for (int64_t b = 0; b < B; ++b) {
            const auto [s, o] = starts_[size_t(samples[b])];
            for (int64_t t = 0; t < T_; ++t) {
                x[t * B + b] = float(seqs_[s][o + size_t(t)]);
                targets[t * B + b] = seqs_[s][o + size_t(t) + 1];
            }
        }
    }

private:
    std::vector<std::vector<int>> seqs_;
    int64_t T_;
    std::vector<std::pair<size_t, size_t>> starts_;
};

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    // Tokens to ids, in order of first appearance.
    std::ifstream in(o.file);
    if (!in) usage(o.file + ": cannot open the file");
    std::map<std::string, int> ids;
    std::vector<std::string> tokens;
    std::vector<std::vector<int>> sequences;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::vector<int> seq;
        for (std::string w; words >> w;) {
            auto [it, added] = ids.emplace(w, int(tokens.size()));
            if (added) tokens.push_back(w);
            seq.push_back(it->second);
        }
        if (!seq.empty()) sequences.push_back(std::move(seq));
    }
    const int V = int(tokens.size());
    const Windows data(sequences, o.window);
    if (data.size() == 0)
        usage(o.file + ": no sequence is longer than the window of " + std::to_string(o.window) +
              " tokens; use a shorter --window");
    std::printf("%zu sequences, %d distinct tokens, %lld training windows of %d\n",
                sequences.size(), V, (long long)data.size(), o.window);

    Sequential<float> model;
    model.add<Embedding<float>>(V, 32);
    model.add<Lstm<float>>(o.units, /*return_sequences=*/true);
    model.add<Dense<float>>(V);  // logits; the softmax is in the loss
    model.build({o.window, 1}, /*seed=*/1);
    model.set_optimizer(std::make_unique<Adam<float>>(AdamOptions{0.01}));
    std::printf("%s", model.summary().c_str());
    FitOptions fit;
    fit.batch_size = 32;
    fit.epochs = o.epochs;
    fit.on_epoch = [&](const EpochStats& e) {
        if (e.epoch == 1 || e.epoch % 10 == 0 || e.epoch == o.epochs)
            std::printf("epoch %d  loss %.4f  accuracy %.3f\n", e.epoch, e.loss, e.accuracy);
        return true;
    };
    model.fit(data, fit);
    if (!o.save.empty()) {
        io::save_model(model, o.save);
        std::printf("saved %s\n", o.save.c_str());
    }

    // Continue the first sequence's first window, one most likely token at a time.
    std::vector<int> window(sequences[0].begin(), sequences[0].begin() + o.window);
    std::printf("continuation:");
    for (int n = 0; n < o.continuation; ++n) {
        Tensor<float> x({o.window, 1, 1});
        for (int t = 0; t < o.window; ++t) x[t] = float(window[size_t(t)]);
        const Tensor<float> p =
            model.predict(x);  // [T, 1, V]: the last step predicts the next token
        const float* last = p.data() + (p.numel() - V);
        const int next = int(std::max_element(last, last + V) - last);
        std::printf(" %s", tokens[size_t(next)].c_str());
        window.erase(window.begin());
        window.push_back(next);
    }
    std::printf("\n");
    return 0;
}
