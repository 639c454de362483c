// Portable A-panel packing (the scalar path of the dispatch table).
#include "common/cpu_features.h"
#include "gemm/pack_a_panel.h"
#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

void pack_a_panel_scalar(const float* a, int64_t lda, int rows, int64_t kc, float* out) {
    for (int64_t k = 0; k < kc; ++k)
        for (int r = 0; r < kGemmMR; ++r) out[k * kGemmMR + r] = r < rows ? a[r * lda + k] : 0.0f;
}

PackAPanel active_pack_a_panel() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return pack_a_panel_avx2_fma;
#endif
    return pack_a_panel_scalar;
}

}  // namespace cnnengine
