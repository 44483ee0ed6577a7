// tests/fuzz/make_fuzz_seeds.cpp: the fuzzers' starting points (tools/fuzz.sh).
//   make-fuzz-seeds midi DIR          small files covering the MIDI reader's
//                                     features (running status, sysex, SMPTE,
//                                     format 2, RIFF, ...) and the generated
//                                     scores of tests/music/generated_scores.hpp
//   make-fuzz-seeds sections FILE OUT a checkpoint or corpus as the section
//                                     list the container fuzzers take (sections.hpp)
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "../music/generated_scores.hpp"
#include "sections.hpp"

namespace {

using Bytes = std::vector<uint8_t>;

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
Bytes be(uint32_t v, int bytes) {
    Bytes out;
    for (int s = 8 * (bytes - 1); s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
    return out;
}
Bytes chunk(const char* name, const Bytes& body) {
    return cat({Bytes(name, name + 4), be(uint32_t(body.size()), 4), body});
}
Bytes mthd(int format, int tracks, int division) {
    return chunk("MThd", cat({be(uint32_t(format), 2), be(uint32_t(tracks), 2), be(uint32_t(division), 2)}));
}
Bytes ev(uint32_t delta, Bytes data) {
    Bytes v = {uint8_t(delta & 0x7F)};
    while (delta >>= 7) v.insert(v.begin(), uint8_t(0x80 | (delta & 0x7F)));
    return cat({v, data});
}
Bytes trk(std::initializer_list<Bytes> events) {
    Bytes body;
    for (const Bytes& e : events) body.insert(body.end(), e.begin(), e.end());
    const Bytes eot = ev(0, {0xFF, 0x2F, 0});
    body.insert(body.end(), eot.begin(), eot.end());
    return chunk("MTrk", body);
}

void save(const std::string& path, const Bytes& bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
}

void midi_seeds(const std::string& dir) {
    const Bytes on = ev(0, {0x90, 60, 100}), off = ev(480, {0x80, 60, 0});
    const Bytes note0 = cat({mthd(0, 1, 480), trk({on, off})});
    save(dir + "/note0.mid", note0);
    save(dir + "/running.mid", cat({mthd(0, 1, 480), trk({ev(0, {0x91, 60, 90}), ev(0, {62, 80}),
                                                           ev(10, {0xFF, 1, 2, 104, 105}), ev(0, {60, 0}),
                                                           ev(5, {62, 0})})}));
    save(dir + "/tempo1.mid", cat({mthd(1, 2, 480),
                                   trk({ev(0, {0xFF, 0x51, 3, 7, 0xA1, 0x20}), ev(960, {0xFF, 0x51, 3, 0x0F, 0x42, 0x40})}),
                                   trk({on, off})}));
    save(dir + "/format2.mid",
         cat({mthd(2, 2, 96), trk({ev(0, {0xFF, 0x51, 3, 0x0F, 0x42, 0x40}), on, off}), trk({on, off})}));
    save(dir + "/smpte.mid", cat({mthd(0, 1, 0xE728), trk({on, off})}));
    save(dir + "/sysex.mid", cat({mthd(0, 1, 480),
                                  trk({ev(0, {0x90, 60, 100}), ev(0, {0xF0, 3, 0x43, 0x12, 0xF7}),
                                       ev(0, {0xF7, 3, 0x90, 0x3C, 0x40}), ev(0, {0xF8}), ev(0, {0xF2, 1, 2}),
                                       ev(10, {0x80, 60, 0})})}));
    save(dir + "/metas.mid", cat({mthd(1, 1, 480),
                                  trk({ev(0, {0xFF, 3, 4, 80, 105, 97, 110}), ev(0, {0xFF, 0x58, 4, 6, 3, 24, 8}),
                                       ev(0, {0xFF, 0x59, 2, 0xFD, 1}), ev(0, {0xFF, 0x7F, 1, 0})})}));
    save(dir + "/channels.mid", cat({mthd(0, 1, 480), trk({ev(0, {0xA0, 60, 10}), ev(0, {0xB0, 7, 100}),
                                                            ev(0, {0xC0, 41}), ev(0, {0xD0, 33}),
                                                            ev(0, {0xE0, 0, 64}), on, off})}));
    save(dir + "/unknown.mid",
         cat({mthd(1, 2, 480), chunk("XFIH", {'a', 'b', 'c'}), trk({on, off}), trk({ev(0, {0x90, 61, 1})})}));
    Bytes data = cat({Bytes{'d', 'a', 't', 'a'}, Bytes{uint8_t(note0.size()), 0, 0, 0}, note0});
    save(dir + "/rmid.mid", cat({Bytes{'R', 'I', 'F', 'F'}, Bytes{uint8_t(4 + data.size()), 0, 0, 0},
                                 Bytes{'R', 'M', 'I', 'D'}, data}));
    for (const auto& score : cadenza::test::generated_scores()) save(dir + "/" + score.name + ".mid", score.bytes);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string what = argc > 1 ? argv[1] : "";
    try {
        if (what == "midi" && argc == 3) {
            midi_seeds(argv[2]);
        } else if (what == "sections" && argc == 4) {
            const std::string s = cadenza::fuzz::sections_from_container(cadenza::io::Container::load(argv[2]));
            std::ofstream(argv[3], std::ios::binary).write(s.data(), long(s.size()));
        } else {
            std::fprintf(stderr, "usage: make-fuzz-seeds midi DIR | sections FILE OUT\n");
            return 2;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make-fuzz-seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
