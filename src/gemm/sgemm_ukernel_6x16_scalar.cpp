// Portable 6x16 SGEMM micro-kernel: the scalar path of the dispatch table (any CPU, arm64 too).
#include "gemm/sgemm_ukernel.h"

#include <cstring>

#include "common/cpu_features.h"

namespace cnnengine {

void sgemm_ukernel_6x16_scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                               int mr, int nr, const TileEpilogue& ep) {
    // Two passes of 8 columns, written with GCC/Clang vector extensions so that the 6 x 2
    // four-float accumulators stay in the 16 registers of SSE2 or NEON on any target.
    typedef float Vec4 __attribute__((vector_size(16)));
    float acc[kGemmMR][kGemmNR];
    for (int half = 0; half < kGemmNR; half += 8) {
        Vec4 part[kGemmMR][2] = {};
        for (int64_t k = 0; k < kc; ++k) {
            Vec4 b0, b1;
            std::memcpy(&b0, b + k * kGemmNR + half, sizeof(Vec4));
            std::memcpy(&b1, b + k * kGemmNR + half + 4, sizeof(Vec4));
            const float* ak = a + k * kGemmMR;
            for (int r = 0; r < kGemmMR; ++r) {
                part[r][0] += ak[r] * b0;
                part[r][1] += ak[r] * b1;
            }
        }
        for (int r = 0; r < kGemmMR; ++r) {
            std::memcpy(&acc[r][half], &part[r][0], sizeof(Vec4));
            std::memcpy(&acc[r][half + 4], &part[r][1], sizeof(Vec4));
        }
    }
    store_tile(&acc[0][0], kGemmNR, c, ldc, mr, nr, ep);
}

SgemmUkernel active_sgemm_ukernel(APanelSource source) {
#ifdef CNNENGINE_HAVE_AVX512_UNITS
    if (active_isa() >= Isa::avx512)
        return source == APanelSource::memory ? sgemm_ukernel_6x16_stream_a_avx512 : sgemm_ukernel_6x16_avx512;
#endif
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma)
        return source == APanelSource::memory ? sgemm_ukernel_6x16_stream_a_avx2_fma : sgemm_ukernel_6x16_avx2_fma;
#endif
    (void)source;  // the portable kernel does not prefetch
    return sgemm_ukernel_6x16_scalar;
}

SgemmWideUkernel active_sgemm_wide_ukernel(APanelSource source) {
#ifdef CNNENGINE_HAVE_AVX512_UNITS
    if (active_isa() >= Isa::avx512)
        return source == APanelSource::memory ? sgemm_ukernel_6x32_stream_a_avx512 : sgemm_ukernel_6x32_avx512;
#endif
    (void)source;
    return nullptr;
}

}  // namespace cnnengine
