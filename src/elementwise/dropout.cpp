#include "elementwise/dropout.h"

#include <algorithm>

#include "common/threading.h"

namespace cnnengine {

namespace {

constexpr int64_t kChunk = 1 << 16;

// splitmix64 (Steele, Lea & Flood 2014): a well-mixed 64-bit value per (seed, index).
inline uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

template <class Body>
void for_each_chunk(int64_t count, Body&& body) {
    const int64_t chunks = (count + kChunk - 1) / kChunk;
    parallel_for(chunks, threads_for(static_cast<double>(count), chunks), [&](int64_t chunk) {
        body(chunk * kChunk, std::min(count, (chunk + 1) * kChunk));
    });
}

}  // namespace

void dropout_forward(const float* x, float* y, uint8_t* mask, int64_t count, double p, uint64_t seed) {
    // Compare the top 53 bits as an integer against p * 2^53: u >= p without float rounding.
    const uint64_t threshold = static_cast<uint64_t>(p * 9007199254740992.0);
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    const uint64_t stream = mix(seed);
    for_each_chunk(count, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const bool keep = (mix(stream + static_cast<uint64_t>(i)) >> 11) >= threshold;
            mask[i] = keep;
            y[i] = keep ? x[i] * scale : 0.0f;
        }
    });
}

void dropout_backward(const float* dy, const uint8_t* mask, float* dx, int64_t count, double p) {
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    for_each_chunk(count, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) dx[i] = mask[i] ? dy[i] * scale : 0.0f;
    });
}

}  // namespace cnnengine
