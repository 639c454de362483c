// The stride-2 gather for the baseline ISA (any CPU, arm64 too), and the ISA dispatch.
#include "common/cpu_features.h"
#include "conv/stride2_gather.h"

namespace cnnengine {

void stride2_gather16_scalar(const float* src, float* dst) {
    for (int t = 0; t < 16; ++t) dst[t] = src[2 * t];
}

Stride2Gather16 active_stride2_gather16() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() == Isa::avx2_fma) return stride2_gather16_avx2_fma;
#endif
    return stride2_gather16_scalar;
}

}  // namespace cnnengine
