// AVX2/FMA tile of pointwise_strided.h: 12 accumulators (6 rows x 2 vectors), per depth step 6
// weight broadcasts from the packed panel and 2 loads from the input row. Compiled with -mavx2
// -mfma only.
#include <immintrin.h>

#include "conv/pointwise_strided.h"
#include "elementwise/clamp_activation_avx2.h"

namespace cnnengine {

namespace {

// The depth loop of one 6 x 16 tile. kFetchNext: also prefetch, one line per depth step, the next
// column panel's input strip (the panel's first row tile does it for all of them; spreading it
// over all row tiles measured slower).
template <bool kFetchNext>
inline void multiply_tile(const float* panel, const float* column, int64_t ldb, int64_t depth,
                          __m256 (&acc)[kGemmMR][kGemmNR / 8]) {
    constexpr int kHalves = kGemmNR / 8;
    for (int64_t k = 0; k < depth; ++k) {
        if (kFetchNext) _mm_prefetch(reinterpret_cast<const char*>(column + k * ldb + kGemmNR), _MM_HINT_T0);
        __m256 x[kHalves];
#pragma GCC unroll 2
        for (int v = 0; v < kHalves; ++v) x[v] = _mm256_loadu_ps(column + k * ldb + 8 * v);
#pragma GCC unroll 6
        for (int r = 0; r < kGemmMR; ++r) {
            const __m256 w = _mm256_broadcast_ss(panel + k * kGemmMR + r);
#pragma GCC unroll 2
            for (int v = 0; v < kHalves; ++v) acc[r][v] = _mm256_fmadd_ps(w, x[v], acc[r][v]);
        }
    }
}

// Activate: ClampActivationLanes, or NoActivation for the plain instance (not inlined into the
// dispatch below, so that it compiles as if the activation were not there).
// In a network the input, residual and output planes come from DRAM, one line per row and
// column panel: hundreds of rows at a time, more streams than the hardware prefetcher follows,
// so every line was a demand miss (256 -> 64 on 56 x 56 ran 1.9x slower cold than warm). Each
// panel therefore fetches the next panel's lines in software while it computes.
template <class Activate>
__attribute__((noinline)) void multiply_range(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                                              const GemmRange& range, const Activate& activation) {
    constexpr int kHalves = kGemmNR / 8;
    const int64_t depth = a.depth();
    for (int64_t col = range.n_begin; col < range.n_end; col += kGemmNR) {
        const bool next_panel = col + kGemmNR < range.n_end;
        for (int64_t row = range.m_begin; row < range.m_end; row += kGemmMR) {
            const float* panel = a.panel(row / kGemmMR, 0);
            const float* column = b + col;
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
            __m256 acc[kGemmMR][kHalves];
#pragma GCC unroll 6
            for (int r = 0; r < kGemmMR; ++r)
#pragma GCC unroll 2
                for (int v = 0; v < kHalves; ++v) acc[r][v] = _mm256_setzero_ps();
            if (next_panel && row == range.m_begin)
                multiply_tile<true>(panel, column, ldb, depth, acc);
            else
                multiply_tile<false>(panel, column, ldb, depth, acc);
            // Through memory: indexing the accumulators by the run-time row count below would
            // keep them on the stack inside the depth loop.
            alignas(32) float tile[kGemmMR][kGemmNR];
#pragma GCC unroll 6
            for (int r = 0; r < kGemmMR; ++r)
#pragma GCC unroll 2
                for (int v = 0; v < kHalves; ++v) _mm256_store_ps(tile[r] + 8 * v, acc[r][v]);
            for (int64_t r = 0; r < rows; ++r) {
                float* c = out.c + (row + r) * out.ldc + col;
                const __m256 bias = _mm256_set1_ps(out.row_bias ? out.row_bias[row + r] : 0.0f);
                for (int v = 0; v < kHalves; ++v) {
                    __m256 y = _mm256_add_ps(_mm256_load_ps(tile[r] + 8 * v), bias);
                    if (out.residual) y = _mm256_add_ps(y, _mm256_loadu_ps(out.residual + (row + r) * out.ldr + col + 8 * v));
                    if (out.relu) y = _mm256_max_ps(_mm256_setzero_ps(), y);  // zero first: NaN passes
                    y = activation(y);
                    _mm256_storeu_ps(c + 8 * v, y);
                }
            }
        }
    }
}

}  // namespace

void pointwise_strided_avx2_fma(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                                const GemmRange& range) {
    with_activation_lanes(out.activation, [&](const auto& activation) {
        multiply_range(a, b, ldb, out, range, activation);
    });
}

}  // namespace cnnengine
