// tests/core/golden.hpp: reads the PyTorch fixtures that tools/make_golden.py writes.
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cadenza/core/tensor.hpp"
#include "cadenza/io/container.hpp"

namespace cadenza::testing {

inline constexpr uint32_t golden_version = 1;

struct GoldenArray {
    int dtype = 0;  // 0 float64, 1 float32, 2 int32
    Shape shape;
    std::vector<double> values;  // every dtype widened to double
    std::vector<int32_t> ints;   // int32 arrays
};

class Golden {
public:
    explicit Golden(const std::string& name) {
        path_ = std::string(CADENZA_SOURCE_DIR) + "/tests/core/fixtures/" + name + ".bin";
        std::string bytes = io::read_file(path_);
        io::ByteReader r(bytes, path_);
        char magic[8];
        r.get_bytes(magic, 8, "the magic");
        CADENZA_CHECK(std::memcmp(magic, "CDZGOLD", 8) == 0, path_, ": not a golden fixture");
        uint32_t version = r.get<uint32_t>("the version");
        CADENZA_CHECK(version == golden_version, path_, ": fixture version ", version,
                      ", the tests expect ", golden_version,
                      "; re-run /usr/bin/python3 tools/make_golden.py tests/core/fixtures");
        uint32_t count = r.get<uint32_t>("the array count");
        for (uint32_t i = 0; i < count; ++i) {
            uint16_t len = r.get<uint16_t>("a name length");
            std::string name(len, '\0');
            r.get_bytes(name.data(), len, "a name");
            GoldenArray a;
            a.dtype = r.get<uint8_t>("a dtype");
            uint32_t rank = r.get<uint32_t>("a rank");
            for (uint32_t d = 0; d < rank; ++d) a.shape.push_back(int64_t(r.get<uint64_t>("a dim")));
            const int64_t n = a.shape.numel();
            for (int64_t k = 0; k < n; ++k) {
                if (a.dtype == 0) a.values.push_back(r.get<double>("a value"));
                else if (a.dtype == 1) a.values.push_back(r.get<float>("a value"));
                else {
                    a.ints.push_back(r.get<int32_t>("a value"));
                    a.values.push_back(a.ints.back());
                }
            }
            arrays_[name] = std::move(a);
        }
    }
    const GoldenArray& operator[](const std::string& name) const {
        auto it = arrays_.find(name);
        CADENZA_CHECK(it != arrays_.end(), path_, ": no array '", name, "'");
        return it->second;
    }
    template <class T>
    Tensor<T> tensor(const std::string& name) const {
        const GoldenArray& a = (*this)[name];
        Tensor<T> t(a.shape);
        for (int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<T>(a.values[size_t(i)]);
        return t;
    }

private:
    std::string path_;
    std::map<std::string, GoldenArray> arrays_;
};

// |a - b| <= rtol * max(|a|, |b|) + atol for every element; reports the worst.
struct Agreement {
    double worst = 0;  // the largest |a-b| / (rtol*max + atol); <= 1 passes
    int64_t index = -1;
    double ours = 0, theirs = 0;
};

template <class T>
Agreement compare(const T* ours, const std::vector<double>& theirs, double rtol, double atol) {
    Agreement r;
    for (size_t i = 0; i < theirs.size(); ++i) {
        double a = double(ours[i]), b = theirs[i];
        double q = std::fabs(a - b) / (rtol * std::max(std::fabs(a), std::fabs(b)) + atol);
        if (q > r.worst || r.index < 0) r = {q, int64_t(i), a, b};
    }
    return r;
}

}  // namespace cadenza::testing
