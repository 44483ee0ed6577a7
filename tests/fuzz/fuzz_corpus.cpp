// libFuzzer entry point for the music application's corpus reader
// (examples/cadenza-music/lib/corpus.cpp), behind the checksums: any set of
// sections must load or throw cadenza::Error, within bounded memory. Built and
// run by tools/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "corpus.hpp"
#include "sections.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const cadenza::io::Container c = cadenza::fuzz::container_from_sections(data, size);
    try {
        const cadenza::app::Corpus corpus = cadenza::app::load_corpus(c);
        volatile int64_t sink = corpus.token_count();
        (void)sink;
    } catch (const cadenza::Error&) {
    }
    return 0;
}
