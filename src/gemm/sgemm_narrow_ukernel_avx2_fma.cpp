// AVX2/FMA narrow-panel micro-kernel (sgemm_narrow_ukernel.h). 24 floats of the A panel (four k
// steps) are three vectors whose lanes belong to rows 0..5,0,1 | 2..5,0..3 | 4,5,0..5; each
// column keeps three accumulators in that lane order, and the rows are summed after the K loop.
// Up to four columns: 12 accumulators + 3 vectors of A. Compiled with -mavx2 -mfma
// (setup.py) and called only when cpuid reports both. Reference: the scalar twin and sgemm_ref.
#include "gemm/sgemm_narrow_ukernel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include "common/avx2_lanes.h"


namespace cnnengine {

namespace {

constexpr int kFloatsPerStep = 3 * 8;  // lcm(MR, 8): the lane-to-row pattern repeats

// acc[r * acc_ld + j] for the NC columns at e.
template <int NC>
void narrow_columns(int64_t kc, const float* a, const float* e, int64_t e_stride, float* acc, int acc_ld) {
    __m256 sum[NC][3];
    for (auto& column : sum) column[0] = column[1] = column[2] = _mm256_setzero_ps();
    const int64_t flat = kc * kGemmMR;
    int64_t f = 0;
    for (; f + kFloatsPerStep <= flat; f += kFloatsPerStep) {
        const __m256 a0 = _mm256_loadu_ps(a + f), a1 = _mm256_loadu_ps(a + f + 8), a2 = _mm256_loadu_ps(a + f + 16);
        for (int j = 0; j < NC; ++j) {
            const float* column = e + j * e_stride + f;
            sum[j][0] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(column), sum[j][0]);
            sum[j][1] = _mm256_fmadd_ps(a1, _mm256_loadu_ps(column + 8), sum[j][1]);
            sum[j][2] = _mm256_fmadd_ps(a2, _mm256_loadu_ps(column + 16), sum[j][2]);
        }
    }
    if (f < flat) {  // one to three k steps left: masked loads stay inside both panels
        const int64_t left = flat - f;
        const __m256i m0 = first_lanes(left), m1 = first_lanes(left - 8), m2 = first_lanes(left - 16);
        const __m256 a0 = _mm256_maskload_ps(a + f, m0), a1 = _mm256_maskload_ps(a + f + 8, m1),
                     a2 = _mm256_maskload_ps(a + f + 16, m2);
        for (int j = 0; j < NC; ++j) {
            const float* column = e + j * e_stride + f;
            sum[j][0] = _mm256_fmadd_ps(a0, _mm256_maskload_ps(column, m0), sum[j][0]);
            sum[j][1] = _mm256_fmadd_ps(a1, _mm256_maskload_ps(column + 8, m1), sum[j][1]);
            sum[j][2] = _mm256_fmadd_ps(a2, _mm256_maskload_ps(column + 16, m2), sum[j][2]);
        }
    }
    for (int j = 0; j < NC; ++j) {
        alignas(32) float lanes[kFloatsPerStep];
        _mm256_store_ps(lanes, sum[j][0]);
        _mm256_store_ps(lanes + 8, sum[j][1]);
        _mm256_store_ps(lanes + 16, sum[j][2]);
        for (int r = 0; r < kGemmMR; ++r)
            acc[r * acc_ld + j] = (lanes[r] + lanes[r + 6]) + (lanes[r + 12] + lanes[r + 18]);
    }
}

}  // namespace

void sgemm_narrow_ukernel_avx2_fma(int64_t kc, const float* a, const float* e, int64_t e_stride, float* c,
                                   int64_t ldc, int mr, int nr, const TileEpilogue& ep) {
    float acc[kGemmMR][kGemmNarrowMaxNR];
    switch (nr) {
        case 1: narrow_columns<1>(kc, a, e, e_stride, &acc[0][0], kGemmNarrowMaxNR); break;
        case 2: narrow_columns<2>(kc, a, e, e_stride, &acc[0][0], kGemmNarrowMaxNR); break;
        case 3: narrow_columns<3>(kc, a, e, e_stride, &acc[0][0], kGemmNarrowMaxNR); break;
        default: narrow_columns<4>(kc, a, e, e_stride, &acc[0][0], kGemmNarrowMaxNR); break;
    }
    store_tile(&acc[0][0], kGemmNarrowMaxNR, c, ldc, mr, nr, ep);
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
