// The slice product for the baseline ISA (any CPU), and the ISA dispatch.
#include "common/cpu_features.h"
#include "conv/slice_gemm.h"

namespace cnnengine {

void slice_gemm_scalar(const float* a, int64_t rows, int64_t taps, const float* src, const int64_t* offsets,
                       int64_t length, float* out, int64_t ldo) {
    for (int64_t r = 0; r < rows; ++r) {
        float* row = out + r * ldo;
        for (int64_t i = 0; i < length; ++i) row[i] = 0.0f;
        for (int64_t t = 0; t < taps; ++t) {
            const float weight = a[r * taps + t];
            const float* slice = src + offsets[t];
            for (int64_t i = 0; i < length; ++i) row[i] += weight * slice[i];
        }
    }
}

SliceGemm active_slice_gemm() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return slice_gemm_avx2_fma;
#endif
    return slice_gemm_scalar;
}

}  // namespace cnnengine
