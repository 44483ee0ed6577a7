// tests/music/make_test_scores.cpp: writes generated_scores.hpp's files, so
// that tools/music21_reference.py can make their music21 fixtures.
//   make-test-scores FOLDER
#include <cstdio>
#include <fstream>
#include <string>

#include "generated_scores.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make-test-scores FOLDER\n");
        return 2;
    }
    for (const auto& score : cadenza::test::generated_scores()) {
        const std::string path = std::string(argv[1]) + "/" + score.name + ".mid";
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(score.bytes.data()),
                  std::streamsize(score.bytes.size()));
        if (!out) {
            std::fprintf(stderr, "make-test-scores: cannot write %s\n", path.c_str());
            return 1;
        }
        std::printf("wrote %s\n", path.c_str());
    }
    return 0;
}
