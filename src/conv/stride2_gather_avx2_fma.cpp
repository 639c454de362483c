// The stride-2 gather with AVX2: loads src[0..7], [8..15], [16..23] and [23..30] (the last one
// shifted by one float so that nothing past src[30] is read), keeps the even elements of each
// pair of vectors with one in-lane shuffle and puts the 64-bit halves back in order.
#include "conv/stride2_gather.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

namespace cnnengine {

namespace {

// 64-bit chunks (a, b, c, d) -> (a, c, b, d): undoes the lane split of _mm256_shuffle_ps.
inline __m256 interleave_lanes(__m256 v) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

}  // namespace

void stride2_gather16_avx2_fma(const float* src, float* dst) {
    const __m256 v0 = _mm256_loadu_ps(src), v1 = _mm256_loadu_ps(src + 8);
    const __m256 v2 = _mm256_loadu_ps(src + 16), v3 = _mm256_loadu_ps(src + 23);
    // Elements 0, 2 of each 128-bit lane of v0 and v1: src 0, 2, 8, 10 | 4, 6, 12, 14.
    _mm256_storeu_ps(dst, interleave_lanes(_mm256_shuffle_ps(v0, v1, _MM_SHUFFLE(2, 0, 2, 0))));
    // v3 starts at src[23], so its even sources are its odd elements: src 16, 18, 24, 26 | 20, 22, 28, 30.
    _mm256_storeu_ps(dst + 8, interleave_lanes(_mm256_shuffle_ps(v2, v3, _MM_SHUFFLE(3, 1, 2, 0))));
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
