// examples/cadenza-music/commands/generate_command.cpp: `cadenza-music
// generate CHECKPOINT -o OUT.mid`: compose a piece.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "../lib/generation.hpp"
#include "../lib/report/analysis.hpp"
#include "../lib/report/svg_plot.hpp"
#include "cadenza/io/container.hpp"
#include "arguments.hpp"
#include "commands.hpp"

namespace cadenza::app {

namespace {

struct GenerateOptions {
    GenerateRequest request;
    std::string device = "cpu";
};

int run_generate(GenerateOptions& o) {
    GenerateRequest& req = o.request;
    req.device = parse_device(o.device, "--device");
    check_outputs({{"CHECKPOINT", req.checkpoint}, {"--primer", req.primer}}, {{"-o", req.output}, {"--plot", req.plot}});
    Checkpoint k = load_checkpoint(req.checkpoint, make_backend(req.device, req.threads));
    const GenerateResult g = compose(k, req);
    for (const std::string& notice : g.notices) std::printf("notice: %s\n", notice.c_str());
    int dropped = 0;
    const auto notes = tokens_to_notes(g.tokens, k.encoding, req.program, dropped);
    write_piece(req.output, notes, req.tempo_bpm);
    if (!req.plot.empty()) {  // the report's piano roll (Fig. 5 style), 16 steps per quarter
        io::write_file_atomically(
            req.plot, svg::piano_roll_image(piano_roll(notes, 480), "Piano roll: " + req.output));
        std::printf("wrote %s\n", req.plot.c_str());
    }
    const std::string unknown =
        dropped ? ", " + std::to_string(dropped) + " <unk> tokens left silent" : "";
    std::printf("composed %zu tokens in %.3f s (%.0f tokens/s) with the %s model; %zu notes%s\n",
                g.tokens.size(), g.seconds, double(g.tokens.size()) / std::max(g.seconds, 1e-9),
                model_name(k.settings.model), notes.size(), unknown.c_str());
    std::printf("wrote %s\n", req.output.c_str());
    return 0;
}

}  // namespace

Command add_generate_command(CLI::App& app) {
    auto o = std::make_shared<GenerateOptions>();
    GenerateRequest& r = o->request;
    CLI::App* sub = app.add_subcommand("generate", "Compose a piece from a checkpoint");
    sub->add_option("CHECKPOINT", r.checkpoint, "A .ckpt file from `train`")->required();
    sub->add_option("-o,--output", r.output, "MIDI file to write")->required();
    sub->add_option("--length", r.length, "Tokens to generate")->check(whole_in(1, 10000000));
    sub->add_option("--seed", r.sampling.seed, "Seed: the same seed gives the same file")->check(seed_value());
    sub->add_option("--primer", r.primer, "Start from this MIDI file instead of a training window");
    sub->add_option("--temperature", r.sampling.temperature,
                    "Sample at this temperature (default: argmax)")
        ->check(number_in(0.01, 100.0));
    sub->add_option("--top-k", r.sampling.top_k, "Sample among the k most likely")
        ->check(whole_in(1, 1000000));
    sub->add_option("--top-p", r.sampling.top_p,
                    "Sample from the smallest set with this much probability")
        ->check(number_in(0.01, 1.0));
    sub->add_option("--tempo", r.tempo_bpm, "Beats per minute")->check(number_in(10.0, 400.0));
    sub->add_option("--plot", r.plot, "Also draw the piece's piano roll into this SVG file");
    sub->add_option("--program", r.program, "General MIDI instrument, 0..127 (0: piano)")
        ->check(whole_in(0, 127));
    sub->add_option("--threads", r.threads, "Threads (0: all cores)")->check(whole_in(0, 4096));
    sub->add_option("--device", o->device, "cpu, or cuda (builds with the CUDA backend)")
        ->check(CLI::IsMember({"cpu", "cuda"}));
    return {sub, [o] { return run_generate(*o); }};
}

}  // namespace cadenza::app
