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

// 64-bit chunks (a, b, c, d) -> (a, c, b, d): puts back in order what _mm256_shuffle_ps took from
// two vectors lane by lane (even floats of a pair of 8-float vectors, for stride-2 reads).
inline __m256 interleave_lanes(__m256 v) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

}  // namespace cnnengine
