// AVX2/FMA GEMV micro-kernel: one output row over up to four 16-column panels read side by side
// (four memory streams, 8 accumulators). Compiled with -mavx2 -mfma (setup.py), called only when
// cpuid reports both. Reference: the scalar twin and linear_ref.
#include "gemm/sgemv_ukernel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

namespace cnnengine {

void sgemv_ukernel_4x16_avx2_fma(int64_t kc, const float* x, const float* b, int64_t panel_stride, int panels,
                                 float* y, int nr, const float* bias, bool relu) {
    __m256 acc[kGemvPanels][2];
    for (auto& pair : acc) pair[0] = pair[1] = _mm256_setzero_ps();
    const float* rows[kGemvPanels];
    for (int p = 0; p < kGemvPanels; ++p) rows[p] = b + (p < panels ? p : 0) * panel_stride;
    if (panels == kGemvPanels) {
        for (int64_t k = 0; k < kc; ++k) {
            const __m256 xv = _mm256_broadcast_ss(x + k);
            for (int p = 0; p < kGemvPanels; ++p) {
                acc[p][0] = _mm256_fmadd_ps(xv, _mm256_load_ps(rows[p] + k * 16), acc[p][0]);
                acc[p][1] = _mm256_fmadd_ps(xv, _mm256_load_ps(rows[p] + k * 16 + 8), acc[p][1]);
            }
        }
    } else {
        for (int64_t k = 0; k < kc; ++k) {
            const __m256 xv = _mm256_broadcast_ss(x + k);
            for (int p = 0; p < panels; ++p) {
                acc[p][0] = _mm256_fmadd_ps(xv, _mm256_load_ps(rows[p] + k * 16), acc[p][0]);
                acc[p][1] = _mm256_fmadd_ps(xv, _mm256_load_ps(rows[p] + k * 16 + 8), acc[p][1]);
            }
        }
    }
    alignas(32) float sums[kGemvPanels * 16];
    for (int p = 0; p < kGemvPanels; ++p) {
        _mm256_store_ps(sums + p * 16, acc[p][0]);
        _mm256_store_ps(sums + p * 16 + 8, acc[p][1]);
    }
    store_gemv_outputs(sums, y, nr, bias, relu);
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
