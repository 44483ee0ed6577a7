// examples/cadenza-music/lib/generation.cpp: see generation.hpp.
#include "generation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "cadenza/core/philox.hpp"
#include "cadenza/io/container.hpp"
#include "cadenza/midi/midi_reader.hpp"
#include "cadenza/midi/midi_writer.hpp"
#include "cadenza/music/paper_decode.hpp"
#include "cadenza/music/rich_tokens.hpp"

namespace cadenza::app {

int choose_token(const float* z, int V, const SamplingOptions& o, uint64_t index) {
    if (o.temperature <= 0 && o.top_k <= 0 && o.top_p >= 1.0)
        return int(std::max_element(z, z + V) - z);
    const double temperature = o.temperature > 0 ? o.temperature : 1.0;
    std::vector<int> order(static_cast<size_t>(V));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return z[a] > z[b]; });
    size_t keep = o.top_k > 0 ? std::min<size_t>(size_t(o.top_k), order.size()) : order.size();
    std::vector<double> p(keep);
    double zmax = z[order[0]], sum = 0;
    for (size_t i = 0; i < keep; ++i)
        sum += (p[i] = std::exp((double(z[order[i]]) - zmax) / temperature));
    if (o.top_p < 1.0) {  // the smallest prefix whose mass reaches top_p
        double mass = 0;
        size_t n = 0;
        while (n < keep && mass < o.top_p * sum) mass += p[n++];
        keep = std::max<size_t>(n, 1);
        sum = mass;
    }
    RandomSequence rng(o.seed, RandomStream::sample, index, 0);
    double u = rng.uniform() * sum, acc = 0;
    for (size_t i = 0; i < keep; ++i) {
        acc += p[i];
        if (u < acc) return order[i];
    }
    return order[keep - 1];
}

std::vector<int> primer_ids(const std::string& path, const Checkpoint& k, std::vector<std::string>& notices) {
    midi::MidiFile f = midi::read_midi(path);
    const std::vector<std::string> tokens = tokenize(f, k.encoding, k.rests, k.parts);
    CADENZA_CHECK(!tokens.empty(), path, ": the primer gives no tokens (no pitched notes in the part read)");
    std::vector<int> ids;
    size_t unknown = 0;
    for (const auto& t : tokens) {
        if (k.vocabulary.contains(t)) ids.push_back(k.vocabulary.encode(t));
        else if (++unknown, k.vocabulary.has_unknown()) ids.push_back(k.vocabulary.encode(t));
    }
    CADENZA_CHECK(unknown < tokens.size(), path, ": none of its ", tokens.size(),
                  " tokens are in the model's vocabulary of ", k.vocabulary.size(),
                  "; the primer cannot start the piece");
    if (unknown > 0)
        notices.push_back("primer " + path + ": " + std::to_string(unknown) + " of its " +
                          std::to_string(tokens.size()) + " tokens are not in the model's vocabulary (" +
                          (k.vocabulary.has_unknown() ? "read as <unk>" : "left out") + ")");
    return ids;
}

GenerateResult compose(Checkpoint& k, const GenerateRequest& req) {
    Sequential<float>& model = *k.model;
    const int V = int(k.vocabulary.size());
    const int T = k.settings.seq_len;
    GenerateResult out;
    std::vector<int> seed;
    if (!req.primer.empty()) {
        seed = primer_ids(req.primer, k, out.notices);
    } else {
        CADENZA_CHECK(!k.seed_windows.empty(), req.checkpoint,
                      ": holds no seed windows; give a --primer");
        RandomSequence pick(req.sampling.seed, RandomStream::sample, ~0ull, 1);
        const auto& window = k.seed_windows[size_t(pick.below(k.seed_windows.size()))];
        seed.assign(window.begin(), window.end());
    }
    Backend<float>& be = model.backend();
    std::vector<float> logits(static_cast<size_t>(V));
    auto t0 = std::chrono::steady_clock::now();
    if (k.settings.model == ModelKind::paper) {
        // A window of exactly T ids: the primer's last T, cycled when shorter.
        std::vector<int> window(static_cast<size_t>(T));
        for (int t = 0; t < T; ++t) {
            long n = long(seed.size());
            window[size_t(t)] = seed[size_t(((n - T + t) % n + n) % n)];
        }
        Tensor<float> host({T, 1, 1});
        Tensor<float> x = be.zeros({T, 1, 1});
        auto forward = forward_runner(model, x);
        for (int i = 0; i < req.length; ++i) {
            for (int t = 0; t < T; ++t) host[t] = float(window[size_t(t)]) / float(V);
            be.upload(host.data(), x.data(), T);
            const Tensor<float>& z = forward();
            be.download(z.data(), logits.data(), V);
            int next = choose_token(logits.data(), V, req.sampling, uint64_t(i));
            out.tokens.push_back(k.vocabulary.decode(next));
            window.erase(window.begin());
            window.push_back(next);
        }
    } else {
        for (size_t i = 0; i < model.size(); ++i) model.layer(i).reset_state();
        const int n = int(seed.size());
        Tensor<float> host({n, 1, 1});
        for (int t = 0; t < n; ++t) host[t] = float(seed[size_t(t)]);
        Tensor<float> x = be.zeros({n, 1, 1});
        be.upload(host.data(), x.data(), n);
        const Tensor<float>* z = &model.forward(x, Mode::infer);  // warms the state up
        Tensor<float> one = be.zeros({1, 1, 1});
        auto step = forward_runner(model, one);
        for (int i = 0; i < req.length; ++i) {
            be.download(z->data() + (z->numel() - V), logits.data(), V);  // the last step's logits
            int next = choose_token(logits.data(), V, req.sampling, uint64_t(i));
            out.tokens.push_back(k.vocabulary.decode(next));
            float id = float(next);
            be.upload(&id, one.data(), 1);
            z = &step();
        }
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

std::vector<midi::Note> tokens_to_notes(const std::vector<std::string>& tokens, Encoding encoding,
                                        int program, int& dropped) {
    std::vector<std::string> playable;
    for (const auto& t : tokens) {
        if (t == music::Vocabulary::kUnknown) ++dropped;
        else playable.push_back(t);
    }
    std::vector<midi::Note> notes;
    if (encoding == Encoding::paper) {
        music::DecodeOptions d;
        d.program = program;
        notes = music::decode_paper_tokens(playable, 480, d);
    } else {
        notes = music::decode_rich(playable, 480);
    }
    for (auto& n : notes) {
        n.program = program;
        n.channel = 0;
        n.track = 1;
    }
    return notes;
}

std::vector<uint8_t> piece_midi(const std::vector<midi::Note>& notes, double bpm) {
    midi::MidiWriteOptions w;
    w.format = 1;
    w.ticks_per_quarter = 480;
    w.microseconds_per_quarter = uint32_t(std::lround(60e6 / bpm));
    w.track_names = {"", "Cadenza"};
    return midi::encode_midi(notes, w);
}

void write_piece(const std::string& path, const std::vector<midi::Note>& notes, double bpm) {
    const std::vector<uint8_t> bytes = piece_midi(notes, bpm);
    io::write_file_atomically(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace cadenza::app
