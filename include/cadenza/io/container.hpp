// cadenza/io/container.hpp: a binary file of named, checksummed sections.
//
// The format of checkpoints (docs/checkpoint-format.md). Little-endian:
//   "CADENZA\0"            8 bytes, magic
//   u32 format_version     currently 1
//   u32 section_count
//   section_count times:
//     u16 name_length, name bytes (printable ASCII)
//     u64 payload_length
//     u32 crc32 of the payload (IEEE 802.3, as zlib)
//     payload bytes
// Readers check every length against the bytes that remain before trusting it,
// so a corrupt header can never cause a huge allocation. Files are written
// atomically (io/files.hpp): a reader sees the old file or the new one, never
// half of one.
#pragma once

#include <array>
#include <cstdint>
#include <type_traits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cadenza/error.hpp"
#include "cadenza/io/files.hpp"

namespace cadenza::io {

inline constexpr char container_magic[8] = {'C', 'A', 'D', 'E', 'N', 'Z', 'A', '\0'};
inline constexpr uint32_t container_version = 1;

inline uint32_t crc32(const void* data, size_t n) {
    static const auto table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    uint32_t c = 0xFFFFFFFFu;
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

// Appends little-endian values to a byte string.
class ByteWriter {
public:
    template <class U>
    void put(U v) {
        static_assert(std::is_trivially_copyable_v<U>);
        char b[sizeof(U)];
        std::memcpy(b, &v, sizeof(U));  // the machines we build for are little-endian
        out_.append(b, sizeof(U));
    }
    void put_bytes(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
    void put_string(const std::string& s) {
        put<uint64_t>(s.size());
        out_ += s;
    }
    std::string& str() { return out_; }

private:
    std::string out_;
};

// Reads little-endian values, checking every read against what remains.
class ByteReader {
public:
    ByteReader(const std::string& bytes, std::string where, size_t base_offset = 0)
        : p_(bytes.data()), n_(bytes.size()), where_(std::move(where)), base_(base_offset) {}

    template <class U>
    U get(const char* what) {
        need(sizeof(U), what);
        U v;
        std::memcpy(&v, p_ + pos_, sizeof(U));
        pos_ += sizeof(U);
        return v;
    }
    void get_bytes(void* dst, size_t n, const char* what) {
        need(n, what);
        std::memcpy(dst, p_ + pos_, n);
        pos_ += n;
    }
    std::string get_string(const char* what) {
        uint64_t len = get<uint64_t>(what);
        need(len, what);
        std::string s(p_ + pos_, size_t(len));
        pos_ += size_t(len);
        return s;
    }
    size_t remaining() const { return n_ - pos_; }
    size_t position() const { return base_ + pos_; }
    void need(uint64_t k, const char* what) const {
        CADENZA_CHECK(k <= n_ - pos_, where_, ": byte ", base_ + pos_, ": expected ", what, " (",
                      k, " bytes) but only ", n_ - pos_, " remain; the file is truncated or corrupt");
    }
    // `count` items of `item_bytes` each must remain (checked without
    // overflowing, before anything is allocated for them).
    void need_items(uint64_t count, size_t item_bytes, const char* what) const {
        CADENZA_CHECK(count <= (n_ - pos_) / item_bytes, where_, ": byte ", base_ + pos_, ": expected ", what, " (",
                      count, " items of ", item_bytes, " bytes) but only ", n_ - pos_,
                      " bytes remain; the file is truncated or corrupt");
    }
    [[noreturn]] void fail(const std::string& msg) const {
        throw Error(cadenza::detail::concat(where_, ": byte ", base_ + pos_, ": ", msg));
    }

private:
    const char* p_;
    size_t n_, pos_ = 0;
    std::string where_;
    size_t base_;
};

class Container {
public:
    void set(const std::string& name, std::string payload) {
        CADENZA_CHECK(!name.empty() && name.size() < 256, "a section name must have 1..255 characters");
        for (char c : name)
            CADENZA_CHECK(c > 32 && c < 127, "section name '", name, "' is not printable ASCII");
        sections_[name] = std::move(payload);
    }
    bool has(const std::string& name) const { return sections_.count(name) != 0; }
    const std::string& get(const std::string& name) const {
        auto it = sections_.find(name);
        CADENZA_CHECK(it != sections_.end(), source_, ": the file has no '", name, "' section");
        return it->second;
    }
    std::vector<std::string> names() const {
        std::vector<std::string> n;
        for (auto& kv : sections_) n.push_back(kv.first);
        return n;
    }
    const std::string& source() const { return source_; }

    std::string serialize() const {
        ByteWriter w;
        w.put_bytes(container_magic, 8);
        w.put<uint32_t>(container_version);
        w.put<uint32_t>(static_cast<uint32_t>(sections_.size()));
        for (auto& [name, payload] : sections_) {
            w.put<uint16_t>(static_cast<uint16_t>(name.size()));
            w.put_bytes(name.data(), name.size());
            w.put<uint64_t>(payload.size());
            w.put<uint32_t>(crc32(payload.data(), payload.size()));
            w.put_bytes(payload.data(), payload.size());
        }
        return std::move(w.str());
    }

    static Container parse(const std::string& bytes, const std::string& source) {
        Container c;
        c.source_ = source;
        ByteReader r(bytes, source);
        CADENZA_CHECK(!bytes.empty(), source, ": the file is empty; expected a Cadenza checkpoint");
        char magic[8];
        r.get_bytes(magic, 8, "the 8-byte magic \"CADENZA\"");
        if (std::memcmp(magic, container_magic, 8) != 0)
            throw Error(source + ": byte 0: not a Cadenza file (expected the magic \"CADENZA\")");
        uint32_t version = r.get<uint32_t>("the format version");
        if (version != container_version)
            throw Error(cadenza::detail::concat(source, ": byte 8: format version ", version,
                                       " is not supported (this build reads version ",
                                       container_version, ")"));
        uint32_t count = r.get<uint32_t>("the section count");
        for (uint32_t i = 0; i < count; ++i) {
            size_t at = r.position();
            uint16_t len = r.get<uint16_t>("a section name length");
            std::string name(len, '\0');
            r.get_bytes(name.data(), len, "a section name");
            uint64_t size = r.get<uint64_t>("a section length");
            uint32_t crc = r.get<uint32_t>("a section checksum");
            r.need(size, "the section payload");
            std::string payload(size_t(size), '\0');
            r.get_bytes(payload.data(), size_t(size), "the section payload");
            if (crc32(payload.data(), payload.size()) != crc)
                throw Error(cadenza::detail::concat(source, ": byte ", at, ": section '", name,
                                           "' fails its checksum; the file is corrupt"));
            c.sections_[name] = std::move(payload);
        }
        if (r.remaining() != 0)
            r.fail(cadenza::detail::concat(r.remaining(), " unexpected bytes after the last section"));
        return c;
    }

    void save(const std::string& path) const { write_file_atomically(path, serialize()); }
    static Container load(const std::string& path) {
        return parse(read_file(path, std::string(container_magic, 8)), path);
    }

private:
    std::map<std::string, std::string> sections_;
    std::string source_ = "<memory>";
};

}  // namespace cadenza::io
