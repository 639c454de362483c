// AVX2 A-panel packing: a full 6-row panel 8 columns at a time. The 6 x 8 block loaded from the
// rows is the 48 floats the panel stores for those 8 depths, in another order; shuffles inside
// the 128-bit lanes build them for columns 0-3 (low lanes) and 4-7 (high lanes) together, and
// lane permutes put them in order. Reference: pack_a_panel_scalar.
#include "gemm/pack_a_panel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

static_assert(kGemmMR == 6, "the transpose below is written for 6-row panels");

void pack_a_panel_avx2_fma(const float* a, int64_t lda, int rows, int64_t kc, float* out) {
    if (rows < kGemmMR) {
        pack_a_panel_scalar(a, lda, rows, kc, out);
        return;
    }
    const float* r0 = a;
    const float* r1 = a + lda;
    const float* r2 = a + 2 * lda;
    const float* r3 = a + 3 * lda;
    const float* r4 = a + 4 * lda;
    const float* r5 = a + 5 * lda;
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8, out += 8 * kGemmMR) {
        // Per lane, rows r hold depths x0..x3; riXY below is row i at depth x.
        const __m256 a0 = _mm256_loadu_ps(r0 + k), a1 = _mm256_loadu_ps(r1 + k);
        const __m256 a2 = _mm256_loadu_ps(r2 + k), a3 = _mm256_loadu_ps(r3 + k);
        const __m256 a4 = _mm256_loadu_ps(r4 + k), a5 = _mm256_loadu_ps(r5 + k);
        const __m256 rows01_x01 = _mm256_unpacklo_ps(a0, a1);  // r0x0 r1x0 r0x1 r1x1
        const __m256 rows01_x23 = _mm256_unpackhi_ps(a0, a1);  // r0x2 r1x2 r0x3 r1x3
        const __m256 rows23_x01 = _mm256_unpacklo_ps(a2, a3);
        const __m256 rows23_x23 = _mm256_unpackhi_ps(a2, a3);
        const __m256 rows45_x01 = _mm256_unpacklo_ps(a4, a5);
        const __m256 rows45_x23 = _mm256_unpackhi_ps(a4, a5);
        // The 24 packed floats of depths x0..x3, four per vector lane.
        const __m256 p0 = _mm256_shuffle_ps(rows01_x01, rows23_x01, _MM_SHUFFLE(1, 0, 1, 0));  // r0-3 x0
        const __m256 p1 = _mm256_shuffle_ps(rows45_x01, rows01_x01, _MM_SHUFFLE(3, 2, 1, 0));  // r4-5 x0, r0-1 x1
        const __m256 p2 = _mm256_shuffle_ps(rows23_x01, rows45_x01, _MM_SHUFFLE(3, 2, 3, 2));  // r2-5 x1
        const __m256 p3 = _mm256_shuffle_ps(rows01_x23, rows23_x23, _MM_SHUFFLE(1, 0, 1, 0));
        const __m256 p4 = _mm256_shuffle_ps(rows45_x23, rows01_x23, _MM_SHUFFLE(3, 2, 1, 0));
        const __m256 p5 = _mm256_shuffle_ps(rows23_x23, rows45_x23, _MM_SHUFFLE(3, 2, 3, 2));
        _mm256_storeu_ps(out, _mm256_permute2f128_ps(p0, p1, 0x20));
        _mm256_storeu_ps(out + 8, _mm256_permute2f128_ps(p2, p3, 0x20));
        _mm256_storeu_ps(out + 16, _mm256_permute2f128_ps(p4, p5, 0x20));
        _mm256_storeu_ps(out + 24, _mm256_permute2f128_ps(p0, p1, 0x31));
        _mm256_storeu_ps(out + 32, _mm256_permute2f128_ps(p2, p3, 0x31));
        _mm256_storeu_ps(out + 40, _mm256_permute2f128_ps(p4, p5, 0x31));
    }
    for (; k < kc; ++k, out += kGemmMR) {
        out[0] = r0[k];
        out[1] = r1[k];
        out[2] = r2[k];
        out[3] = r3[k];
        out[4] = r4[k];
        out[5] = r5[k];
    }
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
