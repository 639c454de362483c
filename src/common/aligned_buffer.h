// A 64-byte aligned float buffer that only grows: scratch for packed panels and workspaces.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace cnnengine {

// Floats in a 64-byte cache line (x86-64 and the common arm64 cores).
constexpr int kCacheLineFloats = 16;

class AlignedBuffer {
public:
    static constexpr std::size_t kAlignment = 64;

    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t count) { reserve(count); }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    AlignedBuffer(AlignedBuffer&& other) noexcept : data_(other.data_), capacity_(other.capacity_) {
        other.data_ = nullptr;
        other.capacity_ = 0;
    }
    AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
        if (this != &other) {
            std::free(data_);
            data_ = other.data_;
            capacity_ = other.capacity_;
            other.data_ = nullptr;
            other.capacity_ = 0;
        }
        return *this;
    }
    ~AlignedBuffer() { std::free(data_); }

    // Makes room for at least `count` floats; old contents are not kept.
    float* reserve(std::size_t count) {
        if (count > capacity_) {
            std::free(data_);
            const std::size_t bytes = (count * sizeof(float) + kAlignment - 1) / kAlignment * kAlignment;
            data_ = static_cast<float*>(std::aligned_alloc(kAlignment, bytes));
            if (data_ == nullptr) {
                capacity_ = 0;
                throw std::bad_alloc();
            }
            capacity_ = count;
        }
        return data_;
    }

    float* data() { return data_; }
    const float* data() const { return data_; }
    std::size_t capacity() const { return capacity_; }

private:
    float* data_ = nullptr;
    std::size_t capacity_ = 0;
};

}  // namespace cnnengine
