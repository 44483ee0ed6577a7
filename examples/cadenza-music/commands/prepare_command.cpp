// examples/cadenza-music/commands/prepare_command.cpp: `cadenza-music prepare
// INPUT... -o CORPUS`: MIDI files and folders to a corpus of token ids.
#include <cstdio>
#include <memory>

#include "../lib/corpus.hpp"
#include "arguments.hpp"
#include "commands.hpp"

namespace cadenza::app {

namespace {

struct PrepareOptions {
    std::vector<std::string> inputs;
    std::string output, encoding = "paper", parts = "first";
    int64_t min_count = 1;
    bool no_rests = false;
    int threads = 0;
};

int run_prepare(const PrepareOptions& o) {
    const Encoding encoding = parse_encoding(o.encoding, "--encoding");
    std::vector<NamedPath> inputs;
    for (const std::string& in : o.inputs) inputs.push_back({"INPUT", in});
    check_outputs(inputs, {{"-o", o.output}});
    PrepareReport r;
    const std::vector<std::string> files = find_midi_files(o.inputs, r.skipped);
    const Corpus c = prepare_corpus(files, encoding, !o.no_rests, parse_parts(o.parts, "--parts"),
                                    o.min_count, r, o.threads);
    save_corpus(c, o.output);
    for (const auto& [file, why] : r.skipped)
        std::printf("skipped %s: %s\n", file.c_str(), why.c_str());
    for (const auto& [file, what] : r.warnings) std::printf("warning %s: %s\n", file.c_str(), what.c_str());
    std::printf("files:            %d read, %zu skipped\n", r.files_read, r.skipped.size());
    std::printf("notes:            %lld (%lld drum notes dropped)\n", (long long)r.notes,
                (long long)r.drum_notes);
    const std::string paper_options =
        std::string(o.no_rests ? ", no rests" : ", with rests") +
        (c.parts == Parts::first ? ", first instrument part" : ", all parts");
    std::printf("tokens:           %lld (%s encoding%s)\n", (long long)r.tokens,
                encoding_name(encoding), encoding == Encoding::paper ? paper_options.c_str() : "");
    const std::string folded = " (tokens seen fewer than " + std::to_string(o.min_count) +
                               " times folded into <unk>: " + std::to_string(r.folded_tokens) +
                               " occurrences)";
    std::printf("vocabulary:       %zu%s\n", c.vocabulary.size(),
                c.vocabulary.has_unknown() ? folded.c_str() : "");
    std::printf("unique pitches:   %d\n", r.unique_pitches);
    std::printf("corpus written:   %s\n", o.output.c_str());
    return 0;
}

}  // namespace

Command add_prepare_command(CLI::App& app) {
    auto o = std::make_shared<PrepareOptions>();
    CLI::App* sub =
        app.add_subcommand("prepare", "Read MIDI files and folders, tokenize them, save a corpus");
    sub->add_option("INPUT", o->inputs, "MIDI files or folders (searched recursively)")->required();
    sub->add_option("-o,--output", o->output, "Corpus file to write")->required();
    sub->add_option("--encoding", o->encoding,
                    "paper (the paper's notes/chords/rests) or rich (octaves and durations)")
        ->check(CLI::IsMember({"paper", "rich"}));
    sub->add_option("--threads", o->threads, "Threads reading the files (0: all cores; the corpus is the same)")
        ->check(whole_in(0, 4096));
    sub->add_option("--min-count", o->min_count, "Fold tokens seen fewer times into <unk>")
        ->check(whole_in(1, int64_t(1) << 40));
    sub->add_flag("--no-rests", o->no_rests, "Paper encoding without rest tokens");
    sub->add_option("--parts", o->parts,
                    "Paper encoding: first (music21's first instrument part, as the paper) or all "
                    "(every track)")
        ->check(CLI::IsMember({"first", "all"}));
    return {sub, [o] { return run_prepare(*o); }};
}

}  // namespace cadenza::app
