// Portable 6x16 SGEMM micro-kernel: the scalar path of the dispatch table (any CPU, arm64 too).
#include "gemm/sgemm_ukernel.h"

#include "common/cpu_features.h"

namespace cnnengine {

void sgemm_ukernel_6x16_scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                               int mr, int nr, const TileEpilogue& ep) {
    float acc[kGemmMR][kGemmNR] = {};
    for (int64_t k = 0; k < kc; ++k) {
        const float* bk = b + k * kGemmNR;
        const float* ak = a + k * kGemmMR;
        for (int r = 0; r < kGemmMR; ++r)
            for (int j = 0; j < kGemmNR; ++j) acc[r][j] += ak[r] * bk[j];
    }
    for (int r = 0; r < mr; ++r) {
        float* c_row = c + r * ldc;
        for (int j = 0; j < nr; ++j) {
            float v = acc[r][j];
            if (ep.accumulate) v += c_row[j];
            if (ep.finish) {
                if (ep.row_bias) v += ep.row_bias[r];
                if (ep.col_bias) v += ep.col_bias[j];
                if (ep.residual) v += ep.residual[r * ep.ldr + j];
                if (ep.relu && v < 0.0f) v = 0.0f;
            }
            c_row[j] = v;
        }
    }
}

SgemmUkernel active_sgemm_ukernel() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() == Isa::avx2_fma) return sgemm_ukernel_6x16_avx2_fma;
#endif
    return sgemm_ukernel_6x16_scalar;
}

}  // namespace cnnengine
