// AVX2/FMA 6x16 SGEMM micro-kernel (the BLIS/XNNPACK/MLAS shape for 16 ymm registers):
// 12 accumulators hold the C tile, each k broadcasts 6 values of A and loads 2 vectors of B.
// Compiled with -mavx2 -mfma (setup.py) and called only when cpuid reports both.
// Reference: sgemm_ukernel_6x16_scalar and sgemm_ref.
#include "gemm/sgemm_ukernel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include "common/avx2_lanes.h"
#include "elementwise/clamp_activation_avx2.h"

namespace cnnengine {

namespace {

// Epilogue and store of one row (two vectors); kFull: all 16 columns, no masks. Activate:
// ClampActivationLanes or NoActivation.
template <bool kFull, class Activate>
inline void finish_row(__m256 lo, __m256 hi, float* c, const float* residual, const float* col_bias,
                       float row_bias, bool use_row_bias, const TileEpilogue& ep, const Activate& activation,
                       __m256i mask_lo, __m256i mask_hi) {
    auto load = [&](const float* p, __m256i m) { return kFull ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m); };
    if (ep.accumulate) {
        lo = _mm256_add_ps(lo, load(c, mask_lo));
        hi = _mm256_add_ps(hi, load(c + 8, mask_hi));
    }
    if (ep.finish) {
        if (use_row_bias) {
            const __m256 bias = _mm256_set1_ps(row_bias);
            lo = _mm256_add_ps(lo, bias);
            hi = _mm256_add_ps(hi, bias);
        }
        if (col_bias) {
            lo = _mm256_add_ps(lo, load(col_bias, mask_lo));
            hi = _mm256_add_ps(hi, load(col_bias + 8, mask_hi));
        }
        if (residual) {
            lo = _mm256_add_ps(lo, load(residual, mask_lo));
            hi = _mm256_add_ps(hi, load(residual + 8, mask_hi));
        }
        if (ep.relu) {
            const __m256 zero = _mm256_setzero_ps();  // zero first: maxps returns its second operand
            lo = _mm256_max_ps(zero, lo);              // for NaN, so NaN propagates as in PyTorch
            hi = _mm256_max_ps(zero, hi);
        }
        lo = activation(lo);
        hi = activation(hi);
    }
    if (kFull) {
        _mm256_storeu_ps(c, lo);
        _mm256_storeu_ps(c + 8, hi);
    } else {
        _mm256_maskstore_ps(c, mask_lo, lo);
        _mm256_maskstore_ps(c + 8, mask_hi, hi);
    }
}

// The kernel, prefetching A kPrefetchFloats ahead of the k step being multiplied. Not inlined
// into the dispatch below: the plain instance keeps a frame of its own, without the activation's
// 32-byte-aligned constants.
template <int64_t kPrefetchFloats, class Activate>
__attribute__((noinline)) void multiply_tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                             int mr, int nr, const TileEpilogue& ep, const Activate& activation) {
    // C (and the residual) are read or written only after the K loop: start fetching them now.
    const float* residual_rows = ep.finish ? ep.residual : nullptr;
    for (int r = 0; r < mr; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + kGemmNR - 1), _MM_HINT_T0);
        if (residual_rows) {
            _mm_prefetch(reinterpret_cast<const char*>(residual_rows + r * ep.ldr), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(residual_rows + r * ep.ldr + kGemmNR - 1), _MM_HINT_T0);
        }
    }
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

    auto step = [&](const float* ak, const float* bk) {
        const __m256 b0 = _mm256_load_ps(bk);
        const __m256 b1 = _mm256_load_ps(bk + 8);
        __m256 av = _mm256_broadcast_ss(ak + 0);
        c00 = _mm256_fmadd_ps(av, b0, c00);
        c01 = _mm256_fmadd_ps(av, b1, c01);
        av = _mm256_broadcast_ss(ak + 1);
        c10 = _mm256_fmadd_ps(av, b0, c10);
        c11 = _mm256_fmadd_ps(av, b1, c11);
        av = _mm256_broadcast_ss(ak + 2);
        c20 = _mm256_fmadd_ps(av, b0, c20);
        c21 = _mm256_fmadd_ps(av, b1, c21);
        av = _mm256_broadcast_ss(ak + 3);
        c30 = _mm256_fmadd_ps(av, b0, c30);
        c31 = _mm256_fmadd_ps(av, b1, c31);
        av = _mm256_broadcast_ss(ak + 4);
        c40 = _mm256_fmadd_ps(av, b0, c40);
        c41 = _mm256_fmadd_ps(av, b1, c41);
        av = _mm256_broadcast_ss(ak + 5);
        c50 = _mm256_fmadd_ps(av, b0, c50);
        c51 = _mm256_fmadd_ps(av, b1, c51);
    };
    int64_t k = 0;
    // Four k steps read 24 floats of A (1.5 cache lines): two prefetches keep ahead of them.
    for (; k + 4 <= kc; k += 4) {
        _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchFloats), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(a + kPrefetchFloats + 16), _MM_HINT_T0);
        step(a, b);
        step(a + kGemmMR, b + kGemmNR);
        step(a + 2 * kGemmMR, b + 2 * kGemmNR);
        step(a + 3 * kGemmMR, b + 3 * kGemmNR);
        a += 4 * kGemmMR;
        b += 4 * kGemmNR;
    }
    for (; k < kc; ++k) {
        step(a, b);
        a += kGemmMR;
        b += kGemmNR;
    }

    const __m256 rows[kGemmMR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                                     {c30, c31}, {c40, c41}, {c50, c51}};
    const float* col_bias = ep.finish ? ep.col_bias : nullptr;
    const bool use_row_bias = ep.finish && ep.row_bias != nullptr;
    const bool full = nr == kGemmNR;
    const __m256i mask_lo = first_lanes(nr < 8 ? nr : 8);
    const __m256i mask_hi = first_lanes(nr > 8 ? nr - 8 : 0);
    for (int r = 0; r < mr; ++r) {
        const float* residual = ep.finish && ep.residual ? ep.residual + r * ep.ldr : nullptr;
        const float row_bias = use_row_bias ? ep.row_bias[r] : 0.0f;
        if (full)
            finish_row<true>(rows[r][0], rows[r][1], c + r * ldc, residual, col_bias, row_bias,
                             use_row_bias, ep, activation, mask_lo, mask_hi);
        else
            finish_row<false>(rows[r][0], rows[r][1], c + r * ldc, residual, col_bias, row_bias,
                              use_row_bias, ep, activation, mask_lo, mask_hi);
    }
}

// The plain instance unless this block finishes the tile with an activation.
template <int64_t kPrefetchFloats>
inline void multiply_tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr, int nr,
                          const TileEpilogue& ep) {
    if (ep.finish && ep.activation)
        multiply_tile<kPrefetchFloats>(kc, a, b, c, ldc, mr, nr, ep, ClampActivationLanes(*ep.activation));
    else
        multiply_tile<kPrefetchFloats>(kc, a, b, c, ldc, mr, nr, ep, NoActivation());
}

}  // namespace

void sgemm_ukernel_6x16_avx2_fma(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                 int mr, int nr, const TileEpilogue& ep) {
    multiply_tile<4 * kGemmMR * 4>(kc, a, b, c, ldc, mr, nr, ep);  // 16 k steps ahead
}

void sgemm_ukernel_6x16_stream_a_avx2_fma(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                          int mr, int nr, const TileEpilogue& ep) {
    // 4 KiB: 1 and 2 KiB (as for L2) gave no gain on DRAM-resident A; 2 to 8 KiB all did.
    multiply_tile<1024>(kc, a, b, c, ldc, mr, nr, ep);
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
