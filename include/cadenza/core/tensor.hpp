// cadenza/core/tensor.hpp: Shape, Tensor<T> (owning) and TensorView<T> (borrowed).
//
// A tensor is a contiguous, row-major block of T with a shape of up to four
// dimensions and a tag saying where its memory lives (host or a CUDA device).
// Sequences are laid out [T, B, F]: time, batch, features. Arithmetic does not
// live here; layers do it through a Backend (backend/backend.hpp), which also
// allocates tensors, so the same layer code serves host and device memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <string>

#include "cadenza/error.hpp"

namespace cadenza {

enum class Device { host, cuda };

inline const char* device_name(Device d) { return d == Device::host ? "host" : "cuda"; }

// The dimensions of a tensor, outermost first.
class Shape {
public:
    static constexpr int max_rank = 4;

    Shape() = default;
    Shape(std::initializer_list<int64_t> dims) {
        CADENZA_CHECK(dims.size() <= max_rank, "a shape has at most ", max_rank, " dimensions, got ",
                      dims.size());
        for (int64_t d : dims) push_back(d);
    }

    int rank() const { return rank_; }
    int64_t operator[](int i) const { return dims_[static_cast<size_t>(i)]; }
    int64_t& operator[](int i) { return dims_[static_cast<size_t>(i)]; }
    int64_t back() const { return dims_[static_cast<size_t>(rank_ - 1)]; }

    void push_back(int64_t d) {
        CADENZA_CHECK(rank_ < max_rank, "a shape has at most ", max_rank, " dimensions");
        CADENZA_CHECK(d >= 0, "a dimension must not be negative, got ", d);
        dims_[static_cast<size_t>(rank_++)] = d;
    }

    int64_t numel() const {
        int64_t n = 1;
        for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<size_t>(i)];
        return n;
    }

    bool operator==(const Shape& o) const {
        if (rank_ != o.rank_) return false;
        for (int i = 0; i < rank_; ++i)
            if (dims_[static_cast<size_t>(i)] != o.dims_[static_cast<size_t>(i)]) return false;
        return true;
    }
    bool operator!=(const Shape& o) const { return !(*this == o); }

    std::string str() const {
        std::string s = "[";
        for (int i = 0; i < rank_; ++i) {
            if (i) s += ", ";
            s += std::to_string(dims_[static_cast<size_t>(i)]);
        }
        return s + "]";
    }

private:
    std::array<int64_t, max_rank> dims_{};
    int rank_ = 0;
};

// A borrowed, non-owning view: pointer, shape and device, cheap to copy, never
// frees. TensorView<const T> is what a const Tensor hands out for its parts
// (slice, reshaped, a row): readable, not writable. The memory must outlive it.
template <class T>
class TensorView {
public:
    TensorView() = default;
    TensorView(T* data, Shape shape, Device device) : data_(data), shape_(shape), device_(device) {}

    T* data() const { return data_; }
    const Shape& shape() const { return shape_; }
    int64_t dim(int i) const { return shape_[i]; }
    int rank() const { return shape_.rank(); }
    int64_t numel() const { return shape_.numel(); }
    Device device() const { return device_; }
    bool empty() const { return data_ == nullptr || numel() == 0; }
    T& operator[](int64_t i) const { return data_[i]; }

    TensorView reshaped(Shape s) const {
        CADENZA_CHECK(s.numel() == numel(), "cannot reshape ", shape_.str(), " to ", s.str());
        return {data_, s, device_};
    }
    // Rows [begin, end) of the leading axis.
    TensorView slice(int64_t begin, int64_t end) const {
        CADENZA_CHECK(rank() >= 1 && begin >= 0 && begin <= end && end <= shape_[0], "slice [", begin, ", ", end,
                      ") outside the leading axis of ", shape_.str());
        Shape s = shape_;
        s[0] = end - begin;
        const int64_t stride = shape_[0] == 0 ? 0 : numel() / shape_[0];
        return {data_ + begin * stride, s, device_};
    }
    // Row i of the leading axis without it: [A, B, F] -> [B, F].
    TensorView operator()(int64_t i) const {
        TensorView t = slice(i, i + 1);
        Shape s;
        for (int d = 1; d < rank(); ++d) s.push_back(shape_[d]);
        t.shape_ = s;
        return t;
    }
    void expect_shape(const Shape& s, const char* what) const {
        CADENZA_CHECK(shape_ == s, what, " must have shape ", s.str(), ", got ", shape_.str());
    }

private:
    T* data_ = nullptr;
    Shape shape_;
    Device device_ = Device::host;
};

namespace detail {
struct AlignedFree {
    void operator()(void* p) const { std::free(p); }
};
inline void* aligned_host_alloc(size_t bytes) {
    // 64-byte alignment: one cache line, and the widest vector load (AVX-512).
    size_t rounded = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
    if (!p) throw std::bad_alloc();
    return p;
}
}  // namespace detail

// A tensor: a cheap, reference-counted HANDLE on a block of memory, like
// torch.Tensor. Copying a Tensor, share(), slice(), reshaped() and row (i)
// give another handle on the SAME memory, which lives as long as any handle
// does; clone() copies the values (host), Backend::clone any device's.
// Constness is deep: a const Tensor gives read-only access, and its parts
// (slice, reshaped, a row) come as TensorView<const T>, borrowed and
// read-only. docs/architecture.md, "Tensors", says why.
template <class T>
class Tensor {
public:
    Tensor() = default;

    // A zero-filled host tensor.
    explicit Tensor(Shape shape) : shape_(shape), device_(Device::host) {
        size_t bytes = static_cast<size_t>(shape.numel()) * sizeof(T);
        void* p = detail::aligned_host_alloc(bytes);
        std::memset(p, 0, bytes);
        storage_ = std::shared_ptr<void>(p, detail::AlignedFree{});
        data_ = static_cast<T*>(p);
    }

    // Adopt memory allocated elsewhere (a backend's device allocation).
    Tensor(Shape shape, Device device, std::shared_ptr<void> storage)
        : storage_(std::move(storage)), data_(static_cast<T*>(storage_.get())), shape_(shape),
          device_(device) {}

    Tensor(const Tensor&) = delete;
    Tensor& operator=(const Tensor&) = delete;
    Tensor(Tensor&&) noexcept = default;
    Tensor& operator=(Tensor&&) noexcept = default;

    // A new host tensor with a copy of the values (host tensors only; a
    // device tensor's copy goes through its backend: Backend::clone).
    Tensor clone() const {
        CADENZA_CHECK(device_ == Device::host || data_ == nullptr,
                      "clone() copies host tensors; a ", device_name(device_), " tensor needs Backend::clone");
        if (data_ == nullptr) return Tensor();
        Tensor copy(shape_);
        if (numel() > 0) std::memcpy(copy.data_, data_, bytes());
        return copy;
    }

    T* data() { return data_; }
    const T* data() const { return data_; }
    const Shape& shape() const { return shape_; }
    int64_t dim(int i) const { return shape_[i]; }
    int rank() const { return shape_.rank(); }
    int64_t numel() const { return shape_.numel(); }
    size_t bytes() const { return static_cast<size_t>(numel()) * sizeof(T); }
    Device device() const { return device_; }
    // No memory: default-constructed (or zero elements).
    bool empty() const { return data_ == nullptr || numel() == 0; }
    // How many handles share this memory (0 for an empty tensor).
    long use_count() const { return storage_.use_count(); }

    // Host-only element access, for tests and tools (bounds-checked).
    T& at(int64_t i) { return data_[checked(i)]; }
    const T& at(int64_t i) const { return data_[checked(i)]; }
    T& operator[](int64_t i) { return data_[i]; }
    const T& operator[](int64_t i) const { return data_[i]; }

    // Another handle on the same memory (no copy).
    Tensor share() { return alias(data_, shape_); }

    // The same memory under another shape with as many elements.
    Tensor reshaped(Shape s) {
        CADENZA_CHECK(s.numel() == numel(), "cannot reshape ", shape_.str(), " to ", s.str());
        return alias(data_, s);
    }
    TensorView<const T> reshaped(Shape s) const { return view().reshaped(s); }

    // Rows [begin, end) of the leading axis, sharing this tensor's memory.
    Tensor slice(int64_t begin, int64_t end) {
        TensorView<T> v = view().slice(begin, end);
        return alias(v.data(), v.shape());
    }
    TensorView<const T> slice(int64_t begin, int64_t end) const { return view().slice(begin, end); }
    // Row i of the leading axis without it: [A, B, F] -> [B, F].
    Tensor operator()(int64_t i) {
        TensorView<T> v = view()(i);
        return alias(v.data(), v.shape());
    }
    TensorView<const T> operator()(int64_t i) const { return view()(i); }

    TensorView<T> view() { return {data_, shape_, device_}; }
    TensorView<const T> view() const { return {data_, shape_, device_}; }
    operator TensorView<const T>() const { return view(); }

    // Require a shape, naming the tensor in the message.
    void expect_shape(const Shape& s, const char* what) const {
        CADENZA_CHECK(shape_ == s, what, " must have shape ", s.str(), ", got ", shape_.str());
    }

private:
    Tensor alias(T* data, Shape s) const {
        Tensor t;
        t.storage_ = storage_;
        t.data_ = data;
        t.shape_ = s;
        t.device_ = device_;
        return t;
    }
    int64_t checked(int64_t i) const {
        CADENZA_CHECK(device_ == Device::host, "element access needs a host tensor");
        CADENZA_CHECK(i >= 0 && i < numel(), "index ", i, " outside a tensor of ", numel(),
                      " elements");
        return i;
    }

    std::shared_ptr<void> storage_;
    T* data_ = nullptr;
    Shape shape_;
    Device device_ = Device::host;
};

}  // namespace cadenza
