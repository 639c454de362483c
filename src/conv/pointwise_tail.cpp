#include "conv/pointwise_tail.h"

#include "common/cpu_features.h"
#include "elementwise/clamp_activation.h"

namespace cnnengine {

int64_t pointwise_tail_columns(int64_t pixels) {
    const int64_t tail = pixels % kGemmNR;
    return pixels > kGemmNR && tail <= kMaxPointwiseTailColumns ? tail : 0;
}

void pointwise_tail_sums_scalar(const float* panel, int64_t depth, const float* b, int64_t ldb, int64_t cols,
                                float sums[kMaxPointwiseTailColumns][8]) {
    for (int64_t j = 0; j < cols; ++j) {
        for (int r = 0; r < kGemmMR; ++r) sums[j][r] = 0.0f;
        for (int64_t k = 0; k < depth; ++k)
            for (int r = 0; r < kGemmMR; ++r) sums[j][r] += panel[k * kGemmMR + r] * b[k * ldb + j];
    }
}

void pointwise_tail(const PackedA& a, const float* b, int64_t ldb, int64_t col, int64_t cols, const GemmOutput& out,
                    int64_t m_begin, int64_t m_end) {
    auto sums_for_isa = pointwise_tail_sums_scalar;
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) sums_for_isa = pointwise_tail_sums_avx2_fma;
#endif
    // A copy the stores to C cannot alias, so the compiler moves the kind's switch out of the loops.
    const Activation activation = out.activation ? *out.activation : Activation{};
    for (int64_t row0 = m_begin; row0 < m_end; row0 += kGemmMR) {
        const int64_t rows = row0 + kGemmMR <= m_end ? kGemmMR : m_end - row0;
        for (int64_t j0 = col; j0 < col + cols; j0 += kMaxPointwiseTailColumns) {
            const int64_t n = col + cols - j0 < kMaxPointwiseTailColumns ? col + cols - j0 : kMaxPointwiseTailColumns;
            float sums[kMaxPointwiseTailColumns][8];
            sums_for_isa(a.panel(row0 / kGemmMR, 0), a.depth(), b + j0, ldb, n, sums);
            for (int64_t j = 0; j < n; ++j) {
                for (int64_t r = 0; r < rows; ++r) {
                    // The epilogue of the SGEMM micro-kernels, in the same order.
                    const int64_t row = row0 + r, column = j0 + j;
                    float v = sums[j][r] + (out.row_bias ? out.row_bias[row] : 0.0f);
                    if (out.residual) v += out.residual[row * out.ldr + column];
                    if (out.relu && v < 0.0f) v = 0.0f;  // NaN passes, as in PyTorch
                    out.c[row * out.ldc + column] = out.activation ? clamp_activation(activation, v) : v;
                }
            }
        }
    }
}

}  // namespace cnnengine
