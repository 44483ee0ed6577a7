// libFuzzer entry point for the music application's checkpoint reader
// (examples/cadenza-music/lib/checkpoint.cpp), behind the checksums: any set
// of sections must load or throw cadenza::Error, within bounded memory (no
// field may make it allocate more than the bytes given justify). Built and
// run by tools/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "cadenza/backend/eigen_backend.hpp"
#include "checkpoint.hpp"
#include "sections.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const cadenza::io::Container c = cadenza::fuzz::container_from_sections(data, size);
    try {
        const auto k = cadenza::app::load_checkpoint(c, std::make_shared<cadenza::EigenBackend<float>>(1));
        volatile size_t sink = k.vocabulary.size() + k.seed_windows.size();
        (void)sink;
    } catch (const cadenza::Error&) {
    }
    return 0;
}
