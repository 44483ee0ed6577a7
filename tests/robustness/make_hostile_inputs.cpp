// tests/robustness/make_hostile_inputs.cpp: the reproducers of the hostile-input
// campaign (issue 11), written small and on the fly.
//
//   make-hostile-inputs midi FOLDER
//       long-gaps.mid        200 notes, each after a delta time of 0x0FFFFFFF ticks (2.4 KB)
//       ten-gaps.mid         10 such gaps (146 bytes)
//       missing-track.mid    the header announces 3 tracks, 2 are present (cut at a chunk boundary)
//       format0-two.mid      format 0 whose header announces 2 tracks, both present
//       endless-note.mid     one note sounding for 0x0FFFFFFF ticks
//       held-notes.mid       3,000 notes starting on one tick, ending 97 ticks apart (18 KB):
//                            their tied pieces once made 230,000 elements
//       conductor-metas.mid  1,000 tracks of one note under a conductor track of 1,000 tempo
//                            changes 64 bars apart (33 KB): each track's bars once ran to
//                            64,000 (64 million rest tokens, 74 s and 5.6 GB)
//   make-hostile-inputs checkpoint VALID.ckpt FOLDER
//       copies of a valid checkpoint, each section rewritten (checksums valid)
//       to hold one inconsistency: epoch-negative, epoch-huge, nan-weight,
//       inf-weight, layer-overflow, input-huge, seq-len-huge, encoding-rich,
//       best-after-last, history-short, parameters-short
//   make-hostile-inputs corpus VALID.corpus FOLDER
//       songs-99 (the header announces 99 songs, 3 are stored), encoding-rich
//       (a paper vocabulary labelled rich), song-length-huge (a song length of
//       2^62 ids), id-outside
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "cadenza/io/container.hpp"

namespace {

using Bytes = std::vector<uint8_t>;

void vlq(Bytes& out, uint32_t v) {
    uint8_t b[4];
    int n = 0;
    do b[n++] = uint8_t(v & 0x7F), v >>= 7;
    while (v);
    while (n > 1) out.push_back(uint8_t(b[--n] | 0x80));
    out.push_back(b[0]);
}

void be32(Bytes& out, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
}

Bytes header(int format, int tracks) {
    Bytes h = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, uint8_t(format), uint8_t(tracks >> 8), uint8_t(tracks), 0x01, 0xE0};
    return h;
}

Bytes track(const Bytes& events) {
    Bytes t = {'M', 'T', 'r', 'k'};
    be32(t, uint32_t(events.size() + 4));
    t.insert(t.end(), events.begin(), events.end());
    t.insert(t.end(), {0x00, 0xFF, 0x2F, 0x00});
    return t;
}

Bytes notes_after_gaps(int count, uint32_t gap) {
    Bytes e;
    for (int i = 0; i < count; ++i) {
        vlq(e, gap);
        e.insert(e.end(), {0x90, uint8_t(60 + i % 12), 100});
        vlq(e, 240);
        e.insert(e.end(), {0x80, uint8_t(60 + i % 12), 0});
    }
    return e;
}

Bytes melody(int base) {
    Bytes e;
    for (int i = 0; i < 16; ++i) {
        vlq(e, 0);
        e.insert(e.end(), {0x90, uint8_t(base + (i * 5) % 12), 90});
        vlq(e, 480);
        e.insert(e.end(), {0x80, uint8_t(base + (i * 5) % 12), 0});
    }
    return e;
}

void write(const std::string& path, const Bytes& bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
}

void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), long(bytes.size()));
}

Bytes join(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

void midi_files(const std::string& dir) {
    write(dir + "/long-gaps.mid", join({header(0, 1), track(notes_after_gaps(200, 0x0FFFFFFF))}));
    write(dir + "/ten-gaps.mid", join({header(0, 1), track(notes_after_gaps(10, 0x0FFFFFFF))}));
    write(dir + "/missing-track.mid", join({header(1, 3), track(melody(60)), track(melody(48))}));
    write(dir + "/format0-two.mid", join({header(0, 2), track(melody(60)), track(melody(48))}));
    Bytes endless = {0x00, 0x90, 60, 100};
    vlq(endless, 0x0FFFFFFF);
    endless.insert(endless.end(), {0x80, 60, 0});
    write(dir + "/endless-note.mid", join({header(0, 1), track(endless)}));
    Bytes held = {0x00, 0x90, 36, 100};  // then running status
    for (int i = 1; i < 3000; ++i) held.insert(held.end(), {0x00, uint8_t(36 + i % 48), 100});
    for (int i = 0; i < 3000; ++i) {
        vlq(held, 97);
        held.insert(held.end(), {uint8_t(36 + i % 48), 0});
    }
    write(dir + "/held-notes.mid", join({header(0, 1), track(held)}));
    Bytes conductor;
    for (int i = 0; i < 1000; ++i) {
        vlq(conductor, 480 * 4 * 64);
        conductor.insert(conductor.end(), {0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20});
    }
    Bytes many = join({header(1, 1001), track(conductor)});
    const Bytes one_note = track({0x00, 0xC0, 0x00, 0x00, 0x90, 60, 64, 0x83, 0x60, 0x80, 60, 0});  // program, a quarter
    for (int t = 0; t < 1000; ++t) many.insert(many.end(), one_note.begin(), one_note.end());
    write(dir + "/conductor-metas.mid", many);
}

// A copy of `c` with section `name` replaced.
void variant(const cadenza::io::Container& c, const std::string& dir, const std::string& file,
             const std::string& section, const std::string& payload) {
    cadenza::io::Container copy = c;
    copy.set(section, payload);
    write(dir + "/" + file, copy.serialize());
}

std::string replace_line(std::string text, const std::string& key, const std::string& value) {
    const size_t at = text.find(key + " ");
    if (at == std::string::npos) return text;
    const size_t end = text.find('\n', at);
    return text.replace(at, end - at, key + " " + value);
}

void checkpoint_files(const std::string& valid, const std::string& dir) {
    const auto c = cadenza::io::Container::load(valid);
    const std::string progress = c.get("progress"), settings = c.get("settings");
    const std::string architecture = c.get("architecture"), params = c.get("parameters");
    variant(c, dir, "epoch-negative.ckpt", "progress", replace_line(progress, "epoch", "-1"));
    variant(c, dir, "epoch-huge.ckpt", "progress", replace_line(progress, "epoch", "999999999"));
    variant(c, dir, "best-after-last.ckpt", "progress", replace_line(progress, "best_epoch", "7"));
    variant(c, dir, "history-short.ckpt", "progress", progress.substr(0, progress.rfind('\n', progress.size() - 2) + 1));
    variant(c, dir, "seq-len-huge.ckpt", "settings", replace_line(settings, "seq_len", "100000000"));
    variant(c, dir, "encoding-rich.ckpt", "cadenza-music",
            replace_line(c.get("cadenza-music"), "encoding", "rich"));
    std::string nan_weight = params, inf_weight = params;
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    std::memcpy(&nan_weight[8 + 4 * 3], &nan, 4);
    std::memcpy(&inf_weight[8 + 4 * 5], &inf, 4);
    variant(c, dir, "nan-weight.ckpt", "parameters", nan_weight);
    variant(c, dir, "inf-weight.ckpt", "parameters", inf_weight);
    variant(c, dir, "parameters-short.ckpt", "parameters", params.substr(0, params.size() - 4));
    // Units that overflow int, and an input of 2^40 steps.
    std::string overflow = architecture;
    const size_t units = overflow.find("units=");
    overflow.replace(units, overflow.find_first_of(" \n", units) - units, "units=302046483169");
    variant(c, dir, "layer-overflow.ckpt", "architecture", overflow);
    variant(c, dir, "input-huge.ckpt", "architecture", replace_line(architecture, "input", "1099511627776 1"));
}

void corpus_files(const std::string& valid, const std::string& dir) {
    const auto c = cadenza::io::Container::load(valid);
    const std::string head = c.get("corpus"), songs = c.get("songs");
    variant(c, dir, "songs-99.corpus", "corpus", replace_line(head, "songs", "99"));
    variant(c, dir, "encoding-rich.corpus", "corpus", replace_line(head, "encoding", "rich"));
    // The first song's length field (after the count and the first name) set to 2^62.
    cadenza::io::ByteReader r(songs, "songs");
    r.get<uint32_t>("count");
    r.get_string("name");
    std::string huge = songs;
    const uint64_t big = uint64_t(1) << 62;
    std::memcpy(&huge[r.position()], &big, 8);
    variant(c, dir, "song-length-huge.corpus", "songs", huge);
    std::string outside = songs;
    const int32_t id = 1 << 30;
    std::memcpy(&outside[r.position() + 8], &id, 4);
    variant(c, dir, "id-outside.corpus", "songs", outside);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string what = argc > 1 ? argv[1] : "";
    try {
        if (what == "midi" && argc == 3) midi_files(argv[2]);
        else if (what == "checkpoint" && argc == 4) checkpoint_files(argv[2], argv[3]);
        else if (what == "corpus" && argc == 4) corpus_files(argv[2], argv[3]);
        else {
            std::fprintf(stderr, "usage: make-hostile-inputs midi DIR | checkpoint VALID DIR | corpus VALID DIR\n");
            return 2;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make-hostile-inputs: %s\n", e.what());
        return 1;
    }
    return 0;
}
