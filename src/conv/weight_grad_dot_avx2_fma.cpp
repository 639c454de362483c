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

void dot_block(const float* dy, int64_t ld, int64_t rows, int64_t r0, const float* src, const int64_t* offsets,
               int64_t taps, int64_t t0, int64_t length, float* lanes) {
    const int64_t r_count = std::min(kBlock, rows - r0), t_count = std::min(kBlock, taps - t0);
    const float* g[kBlock];
    const float* v[kBlock];
    for (int64_t i = 0; i < kBlock; ++i) {
        g[i] = dy + (r0 + std::min(i, r_count - 1)) * ld;
        v[i] = src + offsets[t0 + std::min(i, t_count - 1)];
    }
    __m256 sum[kBlock][kBlock];
    for (int64_t i = 0; i < kBlock; ++i)
        for (int64_t j = 0; j < kBlock; ++j) sum[i][j] = _mm256_setzero_ps();
    for (int64_t k = 0; k < length; k += kDotLanes) {
        __m256 gi[kBlock];
        for (int64_t i = 0; i < kBlock; ++i) gi[i] = _mm256_loadu_ps(g[i] + k);
        for (int64_t j = 0; j < kBlock; ++j) {
            const __m256 vj = _mm256_loadu_ps(v[j] + k);
            for (int64_t i = 0; i < kBlock; ++i) sum[i][j] = _mm256_fmadd_ps(gi[i], vj, sum[i][j]);
        }
    }
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
