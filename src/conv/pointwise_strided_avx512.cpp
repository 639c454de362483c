// AVX-512 tiles of pointwise_strided.h: 6 rows x 32 columns (two zmm per row: per depth step 6
// weight broadcasts from the packed panel and 2 loads from the input row, as the 6x32 SGEMM
// kernel), and 6 x 16 for a range's last odd panel. Prefetching as in the AVX2 tile
// (pointwise_strided_avx2_fma.cpp), for the next tile's columns.
// Compiled with -mavx512f only.
#include <immintrin.h>

#include "conv/pointwise_strided.h"
#include "elementwise/clamp_activation_avx512.h"

namespace cnnengine {

namespace {

// The tile's sums: [k parity][vector][row]. Even and odd depth steps sum apart (the 16-column
// tile needs it for latency; the 32-column tile keeps the same order, so that a pixel's result
// does not depend on which tile width took it).
template <int kVectors>
struct TileSums {
    __m512 sums[2][kVectors][kGemmMR];

    TileSums() {
        for (auto& parity : sums)
            for (auto& vector : parity)
                for (__m512& s : vector) s = _mm512_setzero_ps();
    }

    __attribute__((always_inline)) void step(int parity, const float* weights, const float* x_row) {
        __m512 x[kVectors];
        for (int v = 0; v < kVectors; ++v) x[v] = _mm512_loadu_ps(x_row + 16 * v);
#pragma GCC unroll 6
        for (int r = 0; r < kGemmMR; ++r) {
            const __m512 w = _mm512_set1_ps(weights[r]);
            for (int v = 0; v < kVectors; ++v) sums[parity][v][r] = _mm512_fmadd_ps(w, x[v], sums[parity][v][r]);
        }
    }
};

// The depth loop of one tile, 16 * kVectors columns. kFetchNext: also prefetch, one line per
// depth step, the input strip of the columns after the tile.
template <bool kFetchNext, int kVectors>
inline void multiply_tile(const float* panel, const float* column, int64_t ldb, int64_t depth,
                          TileSums<kVectors>& t) {
    auto fetch = [&](int64_t k) {
        if (kFetchNext)
            for (int v = 0; v < kVectors; ++v)
                _mm_prefetch(reinterpret_cast<const char*>(column + k * ldb + 16 * (kVectors + v)), _MM_HINT_T0);
    };
    int64_t k = 0;
    for (; k + 2 <= depth; k += 2) {  // the parity a compile-time index: the sums stay in registers
        fetch(k);
        t.step(0, panel + k * kGemmMR, column + k * ldb);
        fetch(k + 1);
        t.step(1, panel + (k + 1) * kGemmMR, column + (k + 1) * ldb);
    }
    if (k < depth) {
        fetch(k);
        t.step(0, panel + k * kGemmMR, column + k * ldb);
    }
}

// Rows [row, row + rows) of the tile at `col`, 16 * kVectors columns.
template <int kVectors, class Activate>
__attribute__((always_inline)) inline void multiply_rows(const PackedA& a, const float* b, int64_t ldb,
                                                         const GemmOutput& out, int64_t row, int64_t rows,
                                                         int64_t col, bool fetch_next, const Activate& activation) {
    const float* panel = a.panel(row / kGemmMR, 0);
    TileSums<kVectors> t;
    if (fetch_next)
        multiply_tile<true>(panel, b + col, ldb, a.depth(), t);
    else
        multiply_tile<false>(panel, b + col, ldb, a.depth(), t);
    // Through memory: indexing the accumulators by the run-time row count below would keep them
    // on the stack inside the depth loop.
    alignas(64) float tile[kGemmMR][16 * kVectors];
#pragma GCC unroll 6
    for (int r = 0; r < kGemmMR; ++r)
        for (int v = 0; v < kVectors; ++v)
            _mm512_store_ps(tile[r] + 16 * v, _mm512_add_ps(t.sums[0][v][r], t.sums[1][v][r]));
    for (int64_t r = 0; r < rows; ++r) {
        const __m512 bias = _mm512_set1_ps(out.row_bias ? out.row_bias[row + r] : 0.0f);
        for (int v = 0; v < kVectors; ++v) {
            const int64_t j = col + 16 * v;
            __m512 y = _mm512_add_ps(_mm512_load_ps(tile[r] + 16 * v), bias);
            if (out.residual) y = _mm512_add_ps(y, _mm512_loadu_ps(out.residual + (row + r) * out.ldr + j));
            if (out.relu) y = _mm512_max_ps(_mm512_setzero_ps(), y);  // zero first: NaN passes
            _mm512_storeu_ps(out.c + (row + r) * out.ldc + j, activate_lanes16(activation, y));
        }
    }
}

template <class Activate>
__attribute__((noinline)) void multiply_range(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                                              const GemmRange& range, const Activate& activation) {
    for (int64_t col = range.n_begin; col < range.n_end;) {
        const int64_t width = range.n_end - col >= 2 * kGemmNR ? 2 * kGemmNR : kGemmNR;
        const bool next_panel = col + width < range.n_end;
        for (int64_t row = range.m_begin; row < range.m_end; row += kGemmMR) {
            const int64_t rows = range.m_end - row < kGemmMR ? range.m_end - row : kGemmMR;
            if (next_panel) {
                for (int64_t r = 0; r < rows; ++r)
                    for (int64_t j = col + width; j < col + 2 * width; j += kGemmNR) {
                        _mm_prefetch(reinterpret_cast<const char*>(out.c + (row + r) * out.ldc + j), _MM_HINT_T0);
                        if (out.residual)
                            _mm_prefetch(reinterpret_cast<const char*>(out.residual + (row + r) * out.ldr + j),
                                         _MM_HINT_T0);
                    }
            }
            const bool fetch_next = next_panel && row == range.m_begin;
            if (width == 2 * kGemmNR)
                multiply_rows<2>(a, b, ldb, out, row, rows, col, fetch_next, activation);
            else
                multiply_rows<1>(a, b, ldb, out, row, rows, col, fetch_next, activation);
        }
        col += width;
    }
}

}  // namespace

void pointwise_strided_avx512(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                              const GemmRange& range) {
    with_activation_lanes(out.activation, [&](const auto& activation) {
        multiply_range(a, b, ldb, out, range, activation);
    });
}

}  // namespace cnnengine
