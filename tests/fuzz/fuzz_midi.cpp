// libFuzzer entry point for the MIDI reader and the tokenizers: any byte
// string must either parse or throw MidiError; a file that parses must give
// the paper's tokens (first instrument part and all parts, with rests), or a
// ScoreSizeError when its score would outgrow the budget of score_budget.hpp,
// and the rich tokens, within bounded memory and time (tools/fuzz.sh runs it
// with -malloc_limit_mb=512 and -timeout=10: one rest token per empty bar of a
// gap of 2^28 ticks once took gigabytes, and 300 notes held across a thousand
// bars 13 s). Anything else (a crash, another exception, a sanitizer report, a
// hang, an allocation over the limit) is a bug.
#include <cadenza/midi/midi_reader.hpp>
#include <cadenza/music/rich_tokens.hpp>
#include <cadenza/music/tokenize.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace music = cadenza::music;
    cadenza::midi::MidiFile file;
    try {
        file = cadenza::midi::parse_midi(data, size, "fuzz.mid");
    } catch (const cadenza::midi::MidiError&) {
        return 0;  // rejected input: the expected outcome for most mutations
    }
    volatile size_t sink = 0;
    for (const cadenza::midi::Note& note : file.notes) sink = sink + size_t(note.end_s > note.start_s);
    music::ScoreOptions options;
    options.include_rests = true;
    for (auto parts : {music::PartSelection::first_instrument, music::PartSelection::all_tracks}) {
        options.parts = parts;
        try {
            sink = sink + music::paper_tokens(file, options).size();
        } catch (const music::ScoreSizeError&) {
            // a score too large for its file: refused, the expected outcome
        }
    }
    std::vector<cadenza::midi::Note> pitched;
    for (const auto& n : file.notes)
        if (n.channel != music::kDrumChannel) pitched.push_back(n);
    const int tpq = file.division.smpte ? 480 : file.division.ticks_per_quarter;
    sink = sink + music::encode_rich(pitched, tpq).size();
    (void)sink;
    return 0;
}
