// libFuzzer entry point for the MIDI reader: any byte string must either
// parse or throw MidiError; anything else (a crash, another exception, a
// sanitizer report, a hang) is a bug. Built and run by tools/fuzz_midi.sh.
#include <cadenza/midi/midi_reader.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const cadenza::midi::MidiFile file = cadenza::midi::parse_midi(data, size, "fuzz.mid");
        // Touch the results so the optimiser keeps the work and the sanitizers see it.
        volatile double sink = 0.0;
        for (const cadenza::midi::Note& note : file.notes) sink = sink + note.end_s - note.start_s;
        (void)sink;
    } catch (const cadenza::midi::MidiError&) {
        // Rejected input: the expected outcome for most mutations.
    }
    return 0;
}
