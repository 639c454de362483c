// Portable GEMV micro-kernel (the scalar path of the dispatch table). Reference: linear_ref.
#include <cstring>

#include "common/cpu_features.h"
#include "gemm/sgemm_ukernel.h"
#include "gemm/sgemv_ukernel.h"

namespace cnnengine {

void sgemv_ukernel_1x16_scalar(int64_t kc, const float* x, const float* b_panel, float* y, int nr,
                               const float* bias, bool relu) {
    typedef float Vec4 __attribute__((vector_size(16)));  // GCC/Clang vectors: SSE2 or NEON
    Vec4 acc[kGemmNR / 4] = {};
    for (int64_t k = 0; k < kc; ++k) {
        for (int j = 0; j < kGemmNR / 4; ++j) {
            Vec4 b;
            std::memcpy(&b, b_panel + k * kGemmNR + 4 * j, sizeof(Vec4));
            acc[j] += x[k] * b;
        }
    }
    float sums[kGemmNR];
    std::memcpy(sums, acc, sizeof(sums));
    for (int c = 0; c < nr; ++c) {
        float v = sums[c] + (bias ? bias[c] : 0.0f);
        y[c] = relu && v < 0.0f ? 0.0f : v;
    }
}

SgemvUkernel active_sgemv_ukernel() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() == Isa::avx2_fma) return sgemv_ukernel_1x16_avx2_fma;
#endif
    return sgemv_ukernel_1x16_scalar;
}

}  // namespace cnnengine
