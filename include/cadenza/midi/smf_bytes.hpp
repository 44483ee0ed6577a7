// cadenza/midi/smf_bytes.hpp: the byte-level vocabulary of Standard MIDI Files:
// big-endian integers, chunk names and message names, as the reader's error
// messages show them.
#pragma once

#include <cstdint>
#include <string>

namespace cadenza::midi::detail {

inline std::string hex_byte(unsigned value) {
    static const char digits[] = "0123456789ABCDEF";
    std::string text = "0x";
    text += digits[(value >> 4) & 0xF];
    text += digits[value & 0xF];
    return text;
}

inline uint32_t big_endian_32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
inline uint32_t little_endian_32(const uint8_t* p) {
    return (uint32_t(p[3]) << 24) | (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | uint32_t(p[0]);
}
inline uint16_t big_endian_16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }

inline bool printable_chunk_name(const uint8_t* p) {
    for (int i = 0; i < 4; ++i)
        if (p[i] < 0x20 || p[i] > 0x7E) return false;
    return true;
}

inline std::string chunk_name_text(const uint8_t* p) {
    std::string text;
    for (int i = 0; i < 4; ++i) {
        if (i) text += ' ';
        text += hex_byte(p[i]);
    }
    return text;
}

// Name of a channel message kind (the status byte's high nibble), for errors.
inline const char* channel_message_name(unsigned kind) {
    switch (kind) {
        case 0x8: return "note-off";
        case 0x9: return "note-on";
        case 0xA: return "poly aftertouch";
        case 0xB: return "control change";
        case 0xC: return "program change";
        case 0xD: return "channel pressure";
        default: return "pitch bend";
    }
}

}  // namespace cadenza::midi::detail
