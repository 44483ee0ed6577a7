// examples/cadenza-music/lib/generation.hpp: `cadenza-music generate`: compose from a checkpoint.
//
// The paper's way (paper model): a window of seq_len ids, predict the next,
// drop the first, append the prediction, repeat: each token re-runs the window.
// The stream model feeds its seed once and then one token per step, its state
// carried (O(1) per token). Choice of the next token: argmax (the paper), or a
// sample at a temperature, optionally from the top k or the top-p nucleus,
// drawn from the Philox stream keyed by (--seed, token index): the same seed
// gives the same piece, byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cadenza/midi/midi_types.hpp"
#include "checkpoint.hpp"
#include "corpus.hpp"
#include "device.hpp"

namespace cadenza::app {

struct SamplingOptions {
    double temperature = 0;  // 0: argmax
    int top_k = 0;           // 0: all
    double top_p = 1.0;      // 1: all
    uint64_t seed = 1;
};

// The next token from logits z[V]; `index` keys its random draw.
int choose_token(const float* z, int V, const SamplingOptions& o, uint64_t index);

struct GenerateRequest {
    std::string checkpoint, output, primer;
    int length = 500;
    SamplingOptions sampling;
    double tempo_bpm = 120;
    int program = 0;
    int threads = 0;
    Device device = Device::cpu;
    std::string plot;  // when set: the piece's piano roll as SVG here
};

struct GenerateResult {
    std::vector<std::string> tokens;
    double seconds = 0;
    std::vector<std::string> notices;  // e.g. primer tokens the vocabulary does not know
};

// The primer file's tokens that the model's vocabulary knows (or <unk> for
// the others, when the vocabulary has it); a notice says how many it did not
// know. Throws cadenza::Error when it knows none.
std::vector<int> primer_ids(const std::string& path, const Checkpoint& k, std::vector<std::string>& notices);

// `req.length` tokens from the checkpoint's model (req's sampling, primer).
GenerateResult compose(Checkpoint& k, const GenerateRequest& req);

// Tokens to notes (480 ticks per quarter) in the corpus encoding; `dropped`
// counts <unk> tokens, which stay silent.
std::vector<midi::Note> tokens_to_notes(const std::vector<std::string>& tokens, Encoding encoding,
                                        int program, int& dropped);

// The bytes of a piece's MIDI file (format 1, one track "Cadenza").
std::vector<uint8_t> piece_midi(const std::vector<midi::Note>& notes, double bpm);

// Writes them to `path` atomically.
void write_piece(const std::string& path, const std::vector<midi::Note>& notes, double bpm);

}  // namespace cadenza::app
