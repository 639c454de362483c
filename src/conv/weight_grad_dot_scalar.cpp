// The weight-gradient inner products for the baseline ISA (any CPU), and the ISA dispatch.
#include "common/cpu_features.h"
#include "conv/weight_grad_dot.h"

namespace cnnengine {

void weight_grad_dot_scalar(const float* dy, int64_t ld, int64_t rows, const float* src, const int64_t* offsets,
                            int64_t taps, int64_t length, float* lanes) {
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t t = 0; t < taps; ++t) {
            const float* g = dy + r * ld;
            const float* v = src + offsets[t];
            float* sum = lanes + (r * taps + t) * kDotLanes;
            for (int64_t j = 0; j < length; j += kDotLanes)
                for (int64_t l = 0; l < kDotLanes; ++l) sum[l] += g[j + l] * v[j + l];
        }
    }
}

WeightGradDot active_weight_grad_dot() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return weight_grad_dot_avx2_fma;
#endif
    return weight_grad_dot_scalar;
}

}  // namespace cnnengine
