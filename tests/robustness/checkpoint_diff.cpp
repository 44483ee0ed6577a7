// tests/robustness/checkpoint_diff.cpp: are two checkpoints' weights and
// optimizer state the same, bit for bit?
//   checkpoint-diff A.ckpt B.ckpt
// Prints each section as "same" or "differs" (progress holds wall times, so it
// always differs); exit 0 when parameters and optimizer are identical.
#include <cstdio>

#include "cadenza/io/container.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: checkpoint-diff A.ckpt B.ckpt\n");
        return 2;
    }
    try {
        const auto a = cadenza::io::Container::load(argv[1]), b = cadenza::io::Container::load(argv[2]);
        bool same = true;
        for (const auto& name : a.names()) {
            const bool equal = b.has(name) && a.get(name) == b.get(name);
            std::printf("%-14s %s\n", name.c_str(), equal ? "same" : "differs");
            if (name == "parameters" || name == "optimizer") same = same && equal;
        }
        return same ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "checkpoint-diff: %s\n", e.what());
        return 2;
    }
}
