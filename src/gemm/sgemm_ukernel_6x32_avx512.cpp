// AVX-512 6x32 SGEMM micro-kernel: C[6 x 32] (+)= A_panel * [B_panel0 | B_panel1], two of the
// usual 16-column packed B panels side by side (sgemm_ukernel.h), 24 zmm accumulators (below).
// Each k step loads 2 vectors of B and broadcasts 6 values of A for 12
// FMAs, against 1 load and 6 broadcasts for 6 FMAs in the 6x16 kernel: Zen 5 issues the 6x16
// kernel's loads at the limit, so this shape runs faster (L1-resident panels, 1 thread: 240-265
// against 210-225 GFLOP/s) and reads each A panel from L2 half as often.
// Compiled with -mavx512f (setup.py) and called only when cpuid reports AVX-512F.
// Reference: sgemm_ukernel_6x16_scalar on each half, and sgemm_ref.
#include "gemm/sgemm_ukernel.h"

#ifdef CNNENGINE_HAVE_AVX512_UNITS
#include <immintrin.h>

#include "gemm/tile_epilogue_avx512.h"
#include "gemm/tile_prefetch.h"

namespace cnnengine {

namespace {

// Row r, columns 0-15 and 16-31, summed as the 6x16 AVX-512 kernel sums: even and odd k steps
// apart, added at the end. The latency does not need it here (12 chains already), but the same
// order in both kernels makes a column's result independent of which kernel took it, so the
// product does not change with the thread count's split of the columns.
struct WideTileAccumulators {
    __m512 lo[2][kGemmMR], hi[2][kGemmMR];  // [k parity][row]

    WideTileAccumulators() {
        for (int p = 0; p < 2; ++p)
            for (int r = 0; r < kGemmMR; ++r) lo[p][r] = hi[p][r] = _mm512_setzero_ps();
    }

    __attribute__((always_inline)) void step(int parity, const float* ak, const float* b0k, const float* b1k) {
        const __m512 b0 = _mm512_load_ps(b0k);
        const __m512 b1 = _mm512_load_ps(b1k);
        for (int r = 0; r < kGemmMR; ++r) {
            const __m512 av = _mm512_set1_ps(ak[r]);
            lo[parity][r] = _mm512_fmadd_ps(av, b0, lo[parity][r]);
            hi[parity][r] = _mm512_fmadd_ps(av, b1, hi[parity][r]);
        }
    }

    // `groups` groups of four k steps, advancing the pointers, with A prefetched kPrefetchFloats
    // ahead (four steps read 24 floats, 1.5 cache lines).
    template <int64_t kPrefetchFloats>
    __attribute__((always_inline)) void multiply_groups(int64_t groups, const float*& a, const float*& b0,
                                                        const float*& b1) {
        for (int64_t g = 0; g < groups; ++g, a += 4 * kGemmMR, b0 += 4 * kGemmNR, b1 += 4 * kGemmNR) {
            _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchFloats), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchFloats + 16), _MM_HINT_T0);
            for (int s = 0; s < 4; ++s) step(s & 1, a + s * kGemmMR, b0 + s * kGemmNR, b1 + s * kGemmNR);
        }
    }
};

template <int64_t kPrefetchFloats>
void multiply_wide_tile(int64_t kc, const float* a, const float* b0, const float* b1, float* c, int64_t ldc, int mr,
                        int nr, const TileEpilogue& ep) {
    WideTileAccumulators t;
    const int64_t groups = kc / 4;
    multiply_fetching_c<kGemmWideNR>(groups, c, ldc, ep, mr,
                                     [&](int64_t n) { t.multiply_groups<kPrefetchFloats>(n, a, b0, b1); });
    for (int64_t k = groups * 4; k < kc; ++k, a += kGemmMR, b0 += kGemmNR, b1 += kGemmNR) t.step(0, a, b0, b1);

    const __mmask16 mask_lo = first_lanes16(nr), mask_hi = first_lanes16(nr - kGemmNR);
    const TileActivation tile_activation(ep);
    const ClampActivationLanes* activation = tile_activation.get();
    for (int r = 0; r < mr; ++r) {
        finish_row_avx512(_mm512_add_ps(t.lo[0][r], t.lo[1][r]), r, 0, c, ldc, ep, mask_lo, activation);
        finish_row_avx512(_mm512_add_ps(t.hi[0][r], t.hi[1][r]), r, kGemmNR, c, ldc, ep, mask_hi, activation);
    }
}

}  // namespace

void sgemm_ukernel_6x32_avx512(int64_t kc, const float* a, const float* b0, const float* b1, float* c,
                               int64_t ldc, int mr, int nr, const TileEpilogue& ep) {
    multiply_wide_tile<4 * kGemmMR * 4>(kc, a, b0, b1, c, ldc, mr, nr, ep);  // 16 k steps ahead
}

void sgemm_ukernel_6x32_stream_a_avx512(int64_t kc, const float* a, const float* b0, const float* b1, float* c,
                                        int64_t ldc, int mr, int nr, const TileEpilogue& ep) {
    multiply_wide_tile<1024>(kc, a, b0, b1, c, ldc, mr, nr, ep);  // 4 KiB ahead, as the 6x16 stream-A kernel
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX512_UNITS
