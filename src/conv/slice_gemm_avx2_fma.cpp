// The slice product with AVX2/FMA: 6 rows x 16 positions of `out` stay in registers while every
// tap adds its broadcast weight times two vectors of its slice. A block of fewer than 6 rows
// reuses its last row's weights and stores only the real rows.
#include "conv/slice_gemm.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include <algorithm>

namespace cnnengine {

namespace {

constexpr int64_t kRows = 6;

// Named accumulators, not an array: __m256 may alias any float, so the stores of an array of
// them could not leave the loop (GCC wrote all twelve back to the stack on every tap).
void slice_block(const float* a, int64_t r_count, int64_t taps, const float* src, const int64_t* offsets, int64_t i,
                 float* out, int64_t ldo) {
    const float* w0 = a;
    const float* w1 = a + std::min<int64_t>(1, r_count - 1) * taps;
    const float* w2 = a + std::min<int64_t>(2, r_count - 1) * taps;
    const float* w3 = a + std::min<int64_t>(3, r_count - 1) * taps;
    const float* w4 = a + std::min<int64_t>(4, r_count - 1) * taps;
    const float* w5 = a + std::min<int64_t>(5, r_count - 1) * taps;
    __m256 l0 = _mm256_setzero_ps(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0;
    __m256 l3 = l0, h3 = l0, l4 = l0, h4 = l0, l5 = l0, h5 = l0;
    for (int64_t t = 0; t < taps; ++t) {
        const float* slice = src + offsets[t] + i;
        const __m256 lo = _mm256_loadu_ps(slice), hi = _mm256_loadu_ps(slice + 8);
        __m256 k = _mm256_broadcast_ss(w0 + t);
        l0 = _mm256_fmadd_ps(k, lo, l0), h0 = _mm256_fmadd_ps(k, hi, h0);
        k = _mm256_broadcast_ss(w1 + t);
        l1 = _mm256_fmadd_ps(k, lo, l1), h1 = _mm256_fmadd_ps(k, hi, h1);
        k = _mm256_broadcast_ss(w2 + t);
        l2 = _mm256_fmadd_ps(k, lo, l2), h2 = _mm256_fmadd_ps(k, hi, h2);
        k = _mm256_broadcast_ss(w3 + t);
        l3 = _mm256_fmadd_ps(k, lo, l3), h3 = _mm256_fmadd_ps(k, hi, h3);
        k = _mm256_broadcast_ss(w4 + t);
        l4 = _mm256_fmadd_ps(k, lo, l4), h4 = _mm256_fmadd_ps(k, hi, h4);
        k = _mm256_broadcast_ss(w5 + t);
        l5 = _mm256_fmadd_ps(k, lo, l5), h5 = _mm256_fmadd_ps(k, hi, h5);
    }
    const __m256 done[kRows][2] = {{l0, h0}, {l1, h1}, {l2, h2}, {l3, h3}, {l4, h4}, {l5, h5}};
    for (int64_t r = 0; r < r_count; ++r) {
        _mm256_storeu_ps(out + r * ldo + i, done[r][0]);
        _mm256_storeu_ps(out + r * ldo + i + 8, done[r][1]);
    }
}

}  // namespace

void slice_gemm_avx2_fma(const float* a, int64_t rows, int64_t taps, const float* src, const int64_t* offsets,
                         int64_t length, float* out, int64_t ldo) {
    for (int64_t r0 = 0; r0 < rows; r0 += kRows)
        for (int64_t i = 0; i < length; i += kSliceGemmColumns)
            slice_block(a + r0 * taps, std::min(kRows, rows - r0), taps, src, offsets, i, out + r0 * ldo, ldo);
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
