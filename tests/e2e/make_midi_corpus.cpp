// tests/e2e/make_midi_corpus.cpp: writes a small corpus of MIDI files for the
// end-to-end test: melodies over a few repeating patterns, with chords and
// rests, in format 0 and 1, plus a drum track.
//   make-midi-corpus FOLDER [FILES]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cadenza/midi/midi_writer.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: make-midi-corpus FOLDER [FILES]\n");
        return 2;
    }
    const std::string folder = argv[1];
    const int files = argc > 2 ? std::atoi(argv[2]) : 6;
    const int scale[] = {60, 62, 64, 65, 67, 69, 71, 72};
    for (int f = 0; f < files; ++f) {
        std::vector<cadenza::midi::Note> notes;
        int64_t t = 0;
        for (int bar = 0; bar < 40; ++bar) {
            for (int k = 0; k < 8; ++k) {
                int degree = (k * (f + 2) + bar) % 8;
                cadenza::midi::Note n;
                n.track = 1;
                n.pitch = scale[degree];
                n.velocity = 80;
                n.start_tick = t;
                n.end_tick = t + 240;
                if ((k + bar) % 7 == 6) {  // a rest
                    t += 240;
                    continue;
                }
                notes.push_back(n);
                if (k % 4 == 0) {  // a chord: add a third and a fifth
                    for (int add : {4, 7}) {
                        cadenza::midi::Note c = n;
                        c.pitch = n.pitch - 12 + add;
                        notes.push_back(c);
                    }
                }
                if (k % 2 == 0) {  // a drum hit, left out by tokenization
                    cadenza::midi::Note d = n;
                    d.channel = 9;
                    d.pitch = 36;
                    d.track = 2;
                    notes.push_back(d);
                }
                t += 240;
            }
        }
        cadenza::midi::MidiWriteOptions o;
        o.format = f % 2;
        o.ticks_per_quarter = 480;
        o.microseconds_per_quarter = 500000 + 10000 * uint32_t(f % 100);  // 120 .. 40 beats a minute
        try {
            cadenza::midi::write_midi(folder + "/song" + std::to_string(f) + ".mid", notes, o);
        } catch (const cadenza::Error& e) {
            std::fprintf(stderr, "make-midi-corpus: %s\n", e.what());
            return 1;
        }
    }
    return 0;
}
