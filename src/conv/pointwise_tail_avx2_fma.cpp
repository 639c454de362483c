// AVX2/FMA pointwise tail (pointwise_tail.h): per 6-row weight panel, each depth step loads the
// panel's 6 weights as one 8-lane vector (2 lanes spare) and multiplies it by each tail column's
// input value; even and odd steps sum apart, 2 chains per column against the FMA latency.
// Compiled with -mavx2 -mfma only.
#include <immintrin.h>

#include "conv/pointwise_tail.h"

namespace cnnengine {

namespace {

template <int kCols>
void tail_panel(const float* panel, int64_t depth, const float* b, int64_t ldb, float sums[kCols][8]) {
    // The last steps load only their own 6 weights: 8 could read past the packed buffer.
    const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
    __m256 even[kCols], odd[kCols];
    for (int j = 0; j < kCols; ++j) even[j] = odd[j] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 2 < depth; k += 2) {
        const __m256 a0 = _mm256_loadu_ps(panel + k * kGemmMR);
        const __m256 a1 = _mm256_loadu_ps(panel + (k + 1) * kGemmMR);
        for (int j = 0; j < kCols; ++j) {
            even[j] = _mm256_fmadd_ps(a0, _mm256_broadcast_ss(b + k * ldb + j), even[j]);
            odd[j] = _mm256_fmadd_ps(a1, _mm256_broadcast_ss(b + (k + 1) * ldb + j), odd[j]);
        }
    }
    for (; k < depth; ++k) {
        const __m256 a0 = _mm256_maskload_ps(panel + k * kGemmMR, six);
        for (int j = 0; j < kCols; ++j) even[j] = _mm256_fmadd_ps(a0, _mm256_broadcast_ss(b + k * ldb + j), even[j]);
    }
    for (int j = 0; j < kCols; ++j) _mm256_storeu_ps(sums[j], _mm256_add_ps(even[j], odd[j]));
}

}  // namespace

void pointwise_tail_sums_avx2_fma(const float* panel, int64_t depth, const float* b, int64_t ldb, int64_t cols,
                                  float sums[kMaxPointwiseTailColumns][8]) {
    switch (cols) {
        case 4: return tail_panel<4>(panel, depth, b, ldb, sums);
        case 3: return tail_panel<3>(panel, depth, b, ldb, sums);
        case 2: return tail_panel<2>(panel, depth, b, ldb, sums);
        default: return tail_panel<1>(panel, depth, b, ldb, sums);
    }
}

}  // namespace cnnengine
