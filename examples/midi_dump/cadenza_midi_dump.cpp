// cadenza-midi-dump FILE: prints a Standard MIDI File as cadenza::midi reads
// it, as JSON on stdout: format, division, tempo map, time and key
// signatures, track names, warnings, unterminated notes and notes. Useful to
// compare with other readers and to see why a file reads as it does.
//
// Exit status: 0 read, 1 the file was rejected (the reason on stderr),
// 2 wrong usage.
#include <cadenza/midi/midi_reader.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <new>

namespace {

using json = nlohmann::ordered_json;  // keeps keys in the order written
using namespace cadenza::midi;

json to_json(const MidiFile& file) {
    json out;
    out["file"] = file.name;
    out["format"] = file.format;
    out["track_count"] = file.track_count;
    if (file.division.smpte)
        out["division"] = {{"smpte", true},
                           {"frames_per_second", file.division.frames_per_second},
                           {"ticks_per_frame", file.division.ticks_per_frame}};
    else
        out["division"] = {{"smpte", false}, {"ticks_per_quarter", file.division.ticks_per_quarter}};

    out["tempo_map"] = json::array();
    for (const TempoChange& t : file.tempo_map)
        out["tempo_map"].push_back({{"track", t.track},
                                    {"tick", t.tick},
                                    {"microseconds_per_quarter", t.microseconds_per_quarter},
                                    {"bpm", 60e6 / (t.microseconds_per_quarter ? t.microseconds_per_quarter : 1)}});
    out["time_signatures"] = json::array();
    for (const TimeSignature& s : file.time_signatures)
        out["time_signatures"].push_back({{"track", s.track},
                                          {"tick", s.tick},
                                          {"numerator", s.numerator},
                                          {"denominator", s.denominator},
                                          {"clocks_per_click", s.clocks_per_click},
                                          {"thirty_seconds_per_quarter", s.thirty_seconds_per_quarter}});
    out["key_signatures"] = json::array();
    for (const KeySignature& k : file.key_signatures)
        out["key_signatures"].push_back({{"track", k.track}, {"tick", k.tick}, {"sharps", k.sharps}, {"minor", k.minor}});
    out["track_names"] = file.track_names;
    out["warnings"] = file.warnings;
    out["unterminated"] = json::array();
    for (const UnterminatedNote& n : file.unterminated)
        out["unterminated"].push_back({{"track", n.track},
                                       {"channel", n.channel},
                                       {"program", n.program},
                                       {"pitch", n.pitch},
                                       {"velocity", n.velocity},
                                       {"start_tick", n.start_tick},
                                       {"start_s", n.start_s}});
    out["notes"] = json::array();
    for (const Note& n : file.notes)
        out["notes"].push_back({{"track", n.track},
                                {"channel", n.channel},
                                {"program", n.program},
                                {"pitch", n.pitch},
                                {"velocity", n.velocity},
                                {"start_tick", n.start_tick},
                                {"end_tick", n.end_tick},
                                {"start_s", n.start_s},
                                {"end_s", n.end_s}});
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const bool help = argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help");
    if (argc != 2 || help) {
        (help ? std::cout : std::cerr) << "usage: cadenza-midi-dump FILE\n"
                                          "Prints the Standard MIDI File (.mid, .midi, .rmi) FILE as JSON on stdout.\n";
        return help ? 0 : 2;
    }
    try {
        const MidiFile file = read_midi(argv[1]);
        // Track names are raw bytes (often Latin-1 or Shift-JIS, not UTF-8):
        // replace invalid sequences rather than fail.
        std::cout << to_json(file).dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    } catch (const cadenza::Error& error) {
        std::cerr << "cadenza-midi-dump: " << error.what() << '\n';
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "cadenza-midi-dump: " << argv[1] << ": ran out of memory reading the file\n";
        return 1;
    }
    std::cout.flush();
    if (!std::cout) {  // a full disk, a closed pipe, /dev/full
        std::cerr << "cadenza-midi-dump: cannot write to standard output (" << std::strerror(errno) << ")\n";
        return 1;
    }
    return 0;
}
