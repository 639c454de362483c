// AVX2/FMA GEMV micro-kernel: one output row of 16 columns from a packed B panel. Compiled with
// -mavx2 -mfma (setup.py), called only when cpuid reports both. Reference: the scalar twin,
// linear_ref.
#include "gemm/sgemv_ukernel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

namespace cnnengine {

void sgemv_ukernel_1x16_avx2_fma(int64_t kc, const float* x, const float* b, float* y, int nr,
                                 const float* bias, bool relu) {
    constexpr int kStep = 16;  // floats per k step (one panel row)
    __m256 lo[4], hi[4];
    for (int i = 0; i < 4; ++i) lo[i] = hi[i] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 4 <= kc; k += 4) {
        for (int i = 0; i < 4; ++i) {
            const __m256 xv = _mm256_broadcast_ss(x + k + i);
            lo[i] = _mm256_fmadd_ps(xv, _mm256_load_ps(b + i * kStep), lo[i]);
            hi[i] = _mm256_fmadd_ps(xv, _mm256_load_ps(b + i * kStep + 8), hi[i]);
        }
        b += 4 * kStep;
    }
    for (; k < kc; ++k, b += kStep) {
        const __m256 xv = _mm256_broadcast_ss(x + k);
        lo[0] = _mm256_fmadd_ps(xv, _mm256_load_ps(b), lo[0]);
        hi[0] = _mm256_fmadd_ps(xv, _mm256_load_ps(b + 8), hi[0]);
    }
    __m256 sum_lo = _mm256_add_ps(_mm256_add_ps(lo[0], lo[1]), _mm256_add_ps(lo[2], lo[3]));
    __m256 sum_hi = _mm256_add_ps(_mm256_add_ps(hi[0], hi[1]), _mm256_add_ps(hi[2], hi[3]));
    alignas(32) float sums[16];
    _mm256_store_ps(sums, sum_lo);
    _mm256_store_ps(sums + 8, sum_hi);
    for (int c = 0; c < nr; ++c) {
        float v = sums[c] + (bias ? bias[c] : 0.0f);
        y[c] = relu && v < 0.0f ? 0.0f : v;
    }
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
