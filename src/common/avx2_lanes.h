// Lane masks for AVX2 masked loads and stores; include only from *_avx2_fma.cpp units.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace cnnengine {

// Mask selecting the first n lanes of an 8-float vector (n below 0 or above 8 is clamped).
inline __m256i first_lanes(int64_t n) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::clamp<int64_t>(n, 0, 8))), lane);
}

}  // namespace cnnengine
