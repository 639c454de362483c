// Portable GEMV micro-kernel (the scalar path of the dispatch table). Reference: linear_ref.
#include <cstring>

#include "common/cpu_features.h"
#include "gemm/sgemm_ukernel.h"
#include "gemm/sgemv_ukernel.h"

namespace cnnengine {

void sgemv_ukernel_4x16_scalar(int64_t kc, const float* x, const float* b, int64_t panel_stride, int panels,
                               float* y, int nr, const float* bias, bool relu) {
    typedef float Vec4 __attribute__((vector_size(16)));  // GCC/Clang vectors: SSE2 or NEON
    float sums[kGemvPanels * kGemmNR];
    for (int p = 0; p < panels; ++p) {
        const float* panel = b + p * panel_stride;
        Vec4 acc[kGemmNR / 4] = {};
        for (int64_t k = 0; k < kc; ++k) {
            for (int j = 0; j < kGemmNR / 4; ++j) {
                Vec4 bv;
                std::memcpy(&bv, panel + k * kGemmNR + 4 * j, sizeof(Vec4));
                acc[j] += x[k] * bv;
            }
        }
        std::memcpy(sums + p * kGemmNR, acc, sizeof(acc));
    }
    store_gemv_outputs(sums, y, nr, bias, relu);
}

SgemvUkernel active_sgemv_ukernel() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return sgemv_ukernel_4x16_avx2_fma;
#endif
    return sgemv_ukernel_4x16_scalar;
}

}  // namespace cnnengine
