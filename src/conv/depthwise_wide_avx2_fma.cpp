// AVX2/FMA depthwise wide-plane loop (depthwise_wide.h): four ymm accumulators (32 outputs),
// one broadcast weight and four unaligned loads per tap. Compiled with -mavx2 -mfma only.
#include <immintrin.h>

#include "conv/depthwise_wide.h"

namespace cnnengine {

static_assert(kDepthwiseWideBlock == 32, "four ymm accumulators");

void depthwise_wide_avx2_fma(const DepthwiseWidePlane& plane, float* wide) {
    const __m256 bias = _mm256_set1_ps(plane.bias);
    for (int64_t p = 0; p < plane.count; p += kDepthwiseWideBlock) {
        __m256 a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        const float* base = plane.sub + p;
        for (int t = 0; t < plane.taps; ++t) {
            const __m256 wv = _mm256_broadcast_ss(plane.kernel + t);
            const float* src = base + plane.tap_offsets[t];
            a0 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src), a0);
            a1 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src + 8), a1);
            a2 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src + 16), a2);
            a3 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src + 24), a3);
        }
        _mm256_storeu_ps(wide + p, a0);
        _mm256_storeu_ps(wide + p + 8, a1);
        _mm256_storeu_ps(wide + p + 16, a2);
        _mm256_storeu_ps(wide + p + 24, a3);
    }
}

}  // namespace cnnengine
