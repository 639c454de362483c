#include "conv/pointwise_strided.h"

#include "common/cpu_features.h"
#include "elementwise/clamp_activation.h"

namespace cnnengine {

void pointwise_strided_scalar(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                              const GemmRange& range) {
    const int64_t depth = a.depth();
    for (int64_t row0 = range.m_begin; row0 < range.m_end; row0 += kGemmMR) {
        const float* panel = a.panel(row0 / kGemmMR, 0);
        const int64_t rows = range.m_end - row0 < kGemmMR ? range.m_end - row0 : kGemmMR;
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t row = row0 + r;
            float* c = out.c + row * out.ldc;
            for (int64_t j = range.n_begin; j < range.n_end; ++j) {
                float sum = 0.0f;
                for (int64_t k = 0; k < depth; ++k) sum += panel[k * kGemmMR + r] * b[k * ldb + j];
                sum += out.row_bias ? out.row_bias[row] : 0.0f;
                if (out.residual) sum += out.residual[row * out.ldr + j];
                if (out.relu && sum < 0.0f) sum = 0.0f;  // NaN passes, as in PyTorch
                c[j] = apply_clamp_activation(out.activation, sum);
            }
        }
    }
}

void pointwise_strided(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out, const GemmRange& range) {
#ifdef CNNENGINE_HAVE_AVX512_UNITS
    if (active_isa() >= Isa::avx512) return pointwise_strided_avx512(a, b, ldb, out, range);
#endif
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return pointwise_strided_avx2_fma(a, b, ldb, out, range);
#endif
    pointwise_strided_scalar(a, b, ldb, out, range);
}

}  // namespace cnnengine
