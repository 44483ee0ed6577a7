// tests/fuzz/sections.hpp: a Cadenza container's sections as the checkpoint
// and corpus fuzzers take them. The container format checksums every section,
// so mutating a file's bytes mostly tests the checksum; these fuzzers rebuild
// a container with valid checksums from the mutated sections instead, and so
// reach every check that comes after the checksum.
//   input: repeated [u8 name length][name][u32 little-endian length][payload]
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "cadenza/io/container.hpp"

namespace cadenza::fuzz {

inline io::Container container_from_sections(const uint8_t* data, size_t size) {
    io::Container c;
    size_t pos = 0;
    while (pos < size) {
        const size_t name_length = data[pos++];
        if (name_length == 0 || name_length > size - pos) break;
        std::string name(reinterpret_cast<const char*>(data + pos), name_length);
        pos += name_length;
        if (size - pos < 4) break;
        uint32_t length;
        std::memcpy(&length, data + pos, 4);
        pos += 4;
        if (length > size - pos) length = uint32_t(size - pos);
        try {
            c.set(name, std::string(reinterpret_cast<const char*>(data + pos), length));
        } catch (const Error&) {  // a name the container does not allow: leave it out
        }
        pos += length;
    }
    return c;
}

inline std::string sections_from_container(const io::Container& c) {
    std::string out;
    for (const std::string& name : c.names()) {
        const std::string& payload = c.get(name);
        out += char(uint8_t(name.size()));
        out += name;
        const uint32_t length = uint32_t(payload.size());
        out.append(reinterpret_cast<const char*>(&length), 4);
        out += payload;
    }
    return out;
}

}  // namespace cadenza::fuzz
