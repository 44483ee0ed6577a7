// cadenza_midi_parse_bench: how fast cadenza::midi::parse_midi reads a folder
// of MIDI files into notes (with seconds). The files are loaded into memory
// first, so the numbers measure parsing, not the disk.
//
//   cadenza_midi_parse_bench [FOLDER] [--repeats N] [--min-time SECONDS] [--json]
//
// One pass parses every file once. Each repeat runs whole passes until it has
// lasted --min-time; the reported time per pass is the median over repeats.
#include <cadenza/midi/midi_reader.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    std::string folder = "../shared/datasets/final-fantasy-piano";
    int repeats = 9;
    double min_time = 0.2;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--repeats" && i + 1 < argc) repeats = std::max(1, std::atoi(argv[++i]));
        else if (arg == "--min-time" && i + 1 < argc) min_time = std::atof(argv[++i]);
        else if (arg == "--json") json = true;
        else if (!arg.empty() && arg[0] != '-') folder = arg;
        else {
            std::fprintf(stderr, "usage: cadenza_midi_parse_bench [FOLDER] [--repeats N] [--min-time SECONDS] [--json]\n");
            return 2;
        }
    }

    struct Input {
        std::string name;
        std::vector<uint8_t> bytes;
    };
    std::vector<Input> inputs;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
        std::string extension = entry.path().extension().string();
        std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        if (extension != ".mid" && extension != ".midi" && extension != ".rmi") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        inputs.push_back({entry.path().string(), std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {})});
    }
    if (error || inputs.empty()) {
        std::fprintf(stderr, "cadenza_midi_parse_bench: no MIDI files in %s\n", folder.c_str());
        return 1;
    }
    std::sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.name < b.name; });

    size_t total_bytes = 0, total_notes = 0, rejected = 0;
    for (const Input& input : inputs) {
        total_bytes += input.bytes.size();
        try {
            total_notes += cadenza::midi::parse_midi(input.bytes.data(), input.bytes.size(), input.name).notes.size();
        } catch (const cadenza::midi::MidiError& e) {
            std::fprintf(stderr, "%s\n", e.what());
            ++rejected;
        }
    }

    using clock = std::chrono::steady_clock;
    std::vector<double> seconds_per_pass;
    size_t checksum = 0;  // keeps the work observable
    for (int r = 0; r < repeats; ++r) {
        size_t passes = 0;
        const auto start = clock::now();
        double elapsed = 0.0;
        do {
            for (const Input& input : inputs) {
                try {
                    checksum += cadenza::midi::parse_midi(input.bytes.data(), input.bytes.size(), input.name).notes.size();
                } catch (const cadenza::midi::MidiError&) {
                }
            }
            ++passes;
            elapsed = std::chrono::duration<double>(clock::now() - start).count();
        } while (elapsed < min_time);
        seconds_per_pass.push_back(elapsed / double(passes));
    }
    std::sort(seconds_per_pass.begin(), seconds_per_pass.end());
    const double median = seconds_per_pass[seconds_per_pass.size() / 2];
    const double mb_per_s = double(total_bytes) / 1e6 / median;
    const double files_per_s = double(inputs.size()) / median;
    const double notes_per_s = double(total_notes) / median;
    if (json) {
        std::printf("{\"parser\": \"cadenza\", \"files\": %zu, \"bytes\": %zu, \"notes\": %zu, \"rejected\": %zu, "
                    "\"seconds_per_pass\": %.9g, \"mb_per_s\": %.6g, \"files_per_s\": %.6g, \"notes_per_s\": %.6g, "
                    "\"checksum\": %zu}\n",
                    inputs.size(), total_bytes, total_notes, rejected, median, mb_per_s, files_per_s, notes_per_s,
                    checksum);
    } else {
        std::printf("cadenza parse_midi: %zu files, %.3f MB, %zu notes, %zu rejected\n", inputs.size(),
                    double(total_bytes) / 1e6, total_notes, rejected);
        std::printf("median of %d repeats: %.3f ms per pass, %.1f MB/s, %.0f files/s, %.3g notes/s\n", repeats,
                    median * 1e3, mb_per_s, files_per_s, notes_per_s);
    }
    return rejected ? 1 : 0;
}
