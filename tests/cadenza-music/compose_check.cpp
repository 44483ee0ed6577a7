// tests/cadenza-music/compose_check.cpp: generation equals the model's own prediction, step by step.
//
//   compose-check CHECKPOINT
// For the checkpoint's model, compose() (examples/cadenza-music/lib/generation.hpp) with argmax
// must pick, at every step, the token a plain Sequential::predict picks for the
// same window (paper model) or the same prefix (stream model). Exit 0 when equal.
#include <cstdio>
#include <vector>

#include "generation.hpp"

using namespace cadenza;
using namespace cadenza::app;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: compose-check CHECKPOINT\n");
        return 2;
    }
    Checkpoint k = load_checkpoint(argv[1], std::make_shared<EigenBackend<float>>(1));
    GenerateRequest req;
    req.checkpoint = argv[1];
    req.length = 12;
    GenerateResult g = compose(k, req);
    const int V = int(k.vocabulary.size()), T = k.settings.seq_len;
    // The seed compose() drew: the same pick from the same seed.
    RandomSequence pick(req.sampling.seed, RandomStream::sample, ~0ull, 1);
    std::vector<int> ids = k.seed_windows[size_t(pick.below(k.seed_windows.size()))];
    const size_t seed_len = ids.size();
    for (int i = 0; i < req.length; ++i) {
        const bool paper = k.settings.model == ModelKind::paper;
        const int n = paper ? T : int(ids.size());
        Tensor<float> x({n, 1, 1});
        for (int t = 0; t < n; ++t) {
            int id = ids[ids.size() - size_t(n) + size_t(t)];
            x[t] = paper ? float(id) / float(V) : float(id);
        }
        for (size_t l = 0; l < k.model->size(); ++l) k.model->layer(l).reset_state();
        Tensor<float> p = k.model->predict(x);
        const float* last = p.data() + (p.numel() - V);
        int best = 0;
        for (int c = 1; c < V; ++c)
            if (last[c] > last[best]) best = c;
        if (k.vocabulary.decode(best) != g.tokens[size_t(i)]) {
            std::fprintf(stderr,
                         "compose-check: token %d: compose gave %s, the model predicts %s\n", i,
                         g.tokens[size_t(i)].c_str(), k.vocabulary.decode(best).c_str());
            return 1;
        }
        ids.push_back(best);
    }
    std::printf("compose-check: %d tokens agree (%s model, seed window of %zu)\n", req.length,
                model_name(k.settings.model), seed_len);
    return 0;
}
