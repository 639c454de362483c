// The weight-gradient inner products with AVX2/FMA: a block of 3 rows x 3 taps keeps its nine
// 8-lane sums in registers over the whole length (6 loads per 9 FMAs). Edge blocks read a valid
// row or tap twice and store only the real sums.
#include "conv/weight_grad_dot.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include <algorithm>

namespace cnnengine {

namespace {

constexpr int64_t kBlock = 3;

// Named accumulators, not an array: __m256 may alias any float, so the stores of an array of
// them could not leave the loop.
void dot_block(const float* dy, int64_t ld, int64_t rows, int64_t r0, const float* src, const int64_t* offsets,
               int64_t taps, int64_t t0, int64_t length, float* lanes) {
    const int64_t r_count = std::min(kBlock, rows - r0), t_count = std::min(kBlock, taps - t0);
    const float* g0 = dy + r0 * ld;
    const float* g1 = dy + (r0 + std::min<int64_t>(1, r_count - 1)) * ld;
    const float* g2 = dy + (r0 + std::min<int64_t>(2, r_count - 1)) * ld;
    const float* v0 = src + offsets[t0];
    const float* v1 = src + offsets[t0 + std::min<int64_t>(1, t_count - 1)];
    const float* v2 = src + offsets[t0 + std::min<int64_t>(2, t_count - 1)];
    __m256 s00 = _mm256_setzero_ps(), s01 = s00, s02 = s00, s10 = s00, s11 = s00, s12 = s00;
    __m256 s20 = s00, s21 = s00, s22 = s00;
    for (int64_t k = 0; k < length; k += kDotLanes) {
        const __m256 a0 = _mm256_loadu_ps(g0 + k), a1 = _mm256_loadu_ps(g1 + k), a2 = _mm256_loadu_ps(g2 + k);
        __m256 b = _mm256_loadu_ps(v0 + k);
        s00 = _mm256_fmadd_ps(a0, b, s00), s10 = _mm256_fmadd_ps(a1, b, s10), s20 = _mm256_fmadd_ps(a2, b, s20);
        b = _mm256_loadu_ps(v1 + k);
        s01 = _mm256_fmadd_ps(a0, b, s01), s11 = _mm256_fmadd_ps(a1, b, s11), s21 = _mm256_fmadd_ps(a2, b, s21);
        b = _mm256_loadu_ps(v2 + k);
        s02 = _mm256_fmadd_ps(a0, b, s02), s12 = _mm256_fmadd_ps(a1, b, s12), s22 = _mm256_fmadd_ps(a2, b, s22);
    }
    const __m256 sum[kBlock][kBlock] = {{s00, s01, s02}, {s10, s11, s12}, {s20, s21, s22}};
    for (int64_t i = 0; i < r_count; ++i) {
        for (int64_t j = 0; j < t_count; ++j) {
            float* out = lanes + ((r0 + i) * taps + t0 + j) * kDotLanes;
            _mm256_storeu_ps(out, _mm256_add_ps(_mm256_loadu_ps(out), sum[i][j]));
        }
    }
}

}  // namespace

void weight_grad_dot_avx2_fma(const float* dy, int64_t ld, int64_t rows, const float* src, const int64_t* offsets,
                              int64_t taps, int64_t length, float* lanes) {
    for (int64_t t0 = 0; t0 < taps; t0 += kBlock)
        for (int64_t r0 = 0; r0 < rows; r0 += kBlock) dot_block(dy, ld, rows, r0, src, offsets, taps, t0, length, lanes);
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
