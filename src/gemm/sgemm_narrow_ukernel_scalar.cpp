// Portable narrow-panel micro-kernel (sgemm_narrow_ukernel.h), the expansion of B it reads, and
// the dispatch. Reference: sgemm_ref.
#include "gemm/sgemm_narrow_ukernel.h"

#include "common/cpu_features.h"

namespace cnnengine {

void expand_narrow_panel(int64_t kc, const float* b_panel, int nr, float* e) {
    const int64_t stride = narrow_panel_stride(kc);
    for (int j = 0; j < nr; ++j) {
        float* column = e + j * stride;
        for (int64_t k = 0; k < kc; ++k)
            for (int r = 0; r < kGemmMR; ++r) column[k * kGemmMR + r] = b_panel[k * kGemmNR + j];
    }
}

void sgemm_narrow_ukernel_scalar(int64_t kc, const float* a, const float* e, int64_t e_stride, float* c,
                                 int64_t ldc, int mr, int nr, const TileEpilogue& ep) {
    float acc[kGemmMR][kGemmNarrowMaxNR] = {};
    for (int j = 0; j < nr; ++j) {
        const float* column = e + j * e_stride;
        for (int64_t k = 0; k < kc; ++k)
            for (int r = 0; r < kGemmMR; ++r) acc[r][j] += a[k * kGemmMR + r] * column[k * kGemmMR + r];
    }
    store_tile(&acc[0][0], kGemmNarrowMaxNR, c, ldc, mr, nr, ep);
}

SgemmNarrowUkernel active_sgemm_narrow_ukernel() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return sgemm_narrow_ukernel_avx2_fma;
#endif
    return sgemm_narrow_ukernel_scalar;
}

}  // namespace cnnengine
