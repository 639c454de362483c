// AVX-512 tile of pointwise_strided.h: one zmm per row of the 6 x 16 tile, per depth step 6
// weight broadcasts from the packed panel and 1 load from the input row; even and odd depth steps
// sum into separate accumulators (12 chains, as the AVX-512 SGEMM kernel) so that the FMA
// latency is covered. Prefetching as in the AVX2 tile (pointwise_strided_avx2_fma.cpp).
// Compiled with -mavx512f only.
#include <immintrin.h>

#include "conv/pointwise_strided.h"
#include "elementwise/clamp_activation_avx512.h"

namespace cnnengine {

namespace {

struct RowSums {
    __m512 even[kGemmMR], odd[kGemmMR];
};

__attribute__((always_inline)) inline void depth_step(const float* weights, const float* x_row, __m512 (&acc)[kGemmMR]) {
    const __m512 x = _mm512_loadu_ps(x_row);
#pragma GCC unroll 6
    for (int r = 0; r < kGemmMR; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(weights[r]), x, acc[r]);
}

// kFetchNext: also prefetch, one line per depth step, the next column panel's input strip.
template <bool kFetchNext>
inline void multiply_tile(const float* panel, const float* column, int64_t ldb, int64_t depth, RowSums& t) {
    int64_t k = 0;
    for (; k + 2 <= depth; k += 2) {
        if (kFetchNext) {
            _mm_prefetch(reinterpret_cast<const char*>(column + k * ldb + kGemmNR), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(column + (k + 1) * ldb + kGemmNR), _MM_HINT_T0);
        }
        depth_step(panel + k * kGemmMR, column + k * ldb, t.even);
        depth_step(panel + (k + 1) * kGemmMR, column + (k + 1) * ldb, t.odd);
    }
    if (k < depth) {
        if (kFetchNext) _mm_prefetch(reinterpret_cast<const char*>(column + k * ldb + kGemmNR), _MM_HINT_T0);
        depth_step(panel + k * kGemmMR, column + k * ldb, t.even);
    }
}

template <class Activate>
__attribute__((noinline)) void multiply_range(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                                              const GemmRange& range, const Activate& activation) {
    const int64_t depth = a.depth();
    for (int64_t col = range.n_begin; col < range.n_end; col += kGemmNR) {
        const bool next_panel = col + kGemmNR < range.n_end;
        for (int64_t row = range.m_begin; row < range.m_end; row += kGemmMR) {
            const float* panel = a.panel(row / kGemmMR, 0);
            const int64_t rows = range.m_end - row < kGemmMR ? range.m_end - row : kGemmMR;
            if (next_panel) {
                for (int64_t r = 0; r < rows; ++r) {
                    const int64_t next = col + kGemmNR;
                    _mm_prefetch(reinterpret_cast<const char*>(out.c + (row + r) * out.ldc + next), _MM_HINT_T0);
                    if (out.residual)
                        _mm_prefetch(reinterpret_cast<const char*>(out.residual + (row + r) * out.ldr + next),
                                     _MM_HINT_T0);
                }
            }
            RowSums t;
#pragma GCC unroll 6
            for (int r = 0; r < kGemmMR; ++r) t.even[r] = t.odd[r] = _mm512_setzero_ps();
            if (next_panel && row == range.m_begin)
                multiply_tile<true>(panel, b + col, ldb, depth, t);
            else
                multiply_tile<false>(panel, b + col, ldb, depth, t);
            // Through memory: indexing the accumulators by the run-time row count below would
            // keep them on the stack inside the depth loop.
            alignas(64) float tile[kGemmMR][kGemmNR];
#pragma GCC unroll 6
            for (int r = 0; r < kGemmMR; ++r) _mm512_store_ps(tile[r], _mm512_add_ps(t.even[r], t.odd[r]));
            for (int64_t r = 0; r < rows; ++r) {
                __m512 y = _mm512_add_ps(_mm512_load_ps(tile[r]),
                                         _mm512_set1_ps(out.row_bias ? out.row_bias[row + r] : 0.0f));
                if (out.residual) y = _mm512_add_ps(y, _mm512_loadu_ps(out.residual + (row + r) * out.ldr + col));
                if (out.relu) y = _mm512_max_ps(_mm512_setzero_ps(), y);  // zero first: NaN passes
                _mm512_storeu_ps(out.c + (row + r) * out.ldc + col, activate_lanes16(activation, y));
            }
        }
    }
}

}  // namespace

void pointwise_strided_avx512(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                              const GemmRange& range) {
    if (out.activation)
        multiply_range(a, b, ldb, out, range, ClampActivationLanes(*out.activation));
    else
        multiply_range(a, b, ldb, out, range, NoActivation());
}

}  // namespace cnnengine
