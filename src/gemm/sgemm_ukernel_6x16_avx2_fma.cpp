// AVX2/FMA 6x16 SGEMM micro-kernel (the BLIS/XNNPACK/MLAS shape for 16 ymm registers):
// 12 accumulators hold the C tile, each k broadcasts 6 values of A and loads 2 vectors of B.
// Compiled with -mavx2 -mfma (setup.py) and called only when cpuid reports both.
// Reference: sgemm_ukernel_6x16_scalar and sgemm_ref.
#include "gemm/sgemm_ukernel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include <type_traits>

#include "common/avx2_lanes.h"
#include "elementwise/clamp_activation_avx2.h"
#include "gemm/tile_prefetch.h"

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

// The C tile in 12 registers: row r, columns [0, 8) and [8, 16).
struct TileAccumulators {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

    // One k step: broadcast the 6 values of A at `ak`, multiply by the 16 of B at `bk`.
    void step(const float* ak, const float* bk) {
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
    }
};

// Assembly text of TileAccumulators::step for step s of a group, A at %[a] and B at %[b]; B in
// ymm12/ymm13, the broadcast in ymm14.
#define CNNENGINE_ROW_FMA(s, r, lo, hi)                  \
    "vbroadcastss " #s "*24+" #r "*4(%[a]), %%ymm14\n\t" \
    "vfmadd231ps %%ymm12, %%ymm14, %[" #lo "]\n\t"       \
    "vfmadd231ps %%ymm13, %%ymm14, %[" #hi "]\n\t"
#define CNNENGINE_STEP(s)                                                                                   \
    "vmovaps " #s "*64(%[b]), %%ymm12\n\t"                                                                  \
    "vmovaps " #s "*64+32(%[b]), %%ymm13\n\t"                                                               \
    CNNENGINE_ROW_FMA(s, 0, c00, c01) CNNENGINE_ROW_FMA(s, 1, c10, c11) CNNENGINE_ROW_FMA(s, 2, c20, c21) \
    CNNENGINE_ROW_FMA(s, 3, c30, c31) CNNENGINE_ROW_FMA(s, 4, c40, c41) CNNENGINE_ROW_FMA(s, 5, c50, c51)

// `groups` (> 0) groups of four k steps, advancing a and b; A is prefetched kPrefetchFloats
// ahead (four steps read 24 floats, 1.5 cache lines: two prefetches keep ahead of them).
// Assembly because the accumulators, two B vectors and the broadcast take 15 of the 16 ymm
// registers: GCC 12 kept them there only while the intrinsics loop stood alone, and spilled
// accumulators to the stack as soon as the loop was split around the C prefetch.
template <int64_t kPrefetchFloats>
__attribute__((always_inline)) inline void multiply_groups(int64_t groups, const float*& a, const float*& b,
                                                           TileAccumulators& t) {
    const float* const b_end = b + groups * 4 * kGemmNR;
    asm volatile(
        "1:\n\t"
        "prefetcht0 %c[ahead](%[a])\n\t"
        "prefetcht0 %c[ahead]+64(%[a])\n\t"
        CNNENGINE_STEP(0) CNNENGINE_STEP(1) CNNENGINE_STEP(2) CNNENGINE_STEP(3)
        "add $96, %[a]\n\t"
        "add $256, %[b]\n\t"
        "cmp %[b_end], %[b]\n\t"
        "jne 1b\n\t"
        : [c00] "+x"(t.c00), [c01] "+x"(t.c01), [c10] "+x"(t.c10), [c11] "+x"(t.c11), [c20] "+x"(t.c20),
          [c21] "+x"(t.c21), [c30] "+x"(t.c30), [c31] "+x"(t.c31), [c40] "+x"(t.c40), [c41] "+x"(t.c41),
          [c50] "+x"(t.c50), [c51] "+x"(t.c51), [a] "+r"(a), [b] "+r"(b)
        : [b_end] "r"(b_end), [ahead] "i"(kPrefetchFloats * sizeof(float))
        : "xmm12", "xmm13", "xmm14", "cc", "memory");
}
#undef CNNENGINE_STEP
#undef CNNENGINE_ROW_FMA

// The kernel, prefetching A kPrefetchFloats ahead of the k step being multiplied. Not inlined
// into the dispatch below: the plain instance keeps a frame of its own, without the activation's
// 32-byte-aligned constants.
template <int64_t kPrefetchFloats, class Activate>
__attribute__((noinline)) void multiply_tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                             int mr, int nr, const TileEpilogue& ep, const Activate& activation) {
    TileAccumulators t;
    const int64_t groups = kc / 4;
    multiply_fetching_c(groups, c, ldc, ep, mr, [&](int64_t n) { multiply_groups<kPrefetchFloats>(n, a, b, t); });
    for (int64_t k = groups * 4; k < kc; ++k) {
        t.step(a, b);
        a += kGemmMR;
        b += kGemmNR;
    }

    const float* col_bias = ep.finish ? ep.col_bias : nullptr;
    const bool use_row_bias = ep.finish && ep.row_bias != nullptr;
    const __m256i mask_lo = first_lanes(nr < 8 ? nr : 8);
    const __m256i mask_hi = first_lanes(nr > 8 ? nr - 8 : 0);
    auto finish = [&](auto full, int r, __m256 lo, __m256 hi) {
        const float* residual = ep.finish && ep.residual ? ep.residual + r * ep.ldr : nullptr;
        const float row_bias = use_row_bias ? ep.row_bias[r] : 0.0f;
        finish_row<decltype(full)::value>(lo, hi, c + r * ldc, residual, col_bias, row_bias, use_row_bias, ep,
                                          activation, mask_lo, mask_hi);
    };
    if (mr == kGemmMR && nr == kGemmNR) {
        // Unrolled on full tiles: the accumulators go straight from registers to C (the row
        // loop below first spills them to the stack); ~5% of a 256-deep tile's time was outside
        // the K loop.
        const std::true_type full;
        finish(full, 0, t.c00, t.c01);
        finish(full, 1, t.c10, t.c11);
        finish(full, 2, t.c20, t.c21);
        finish(full, 3, t.c30, t.c31);
        finish(full, 4, t.c40, t.c41);
        finish(full, 5, t.c50, t.c51);
        return;
    }
    const __m256 rows[kGemmMR][2] = {{t.c00, t.c01}, {t.c10, t.c11}, {t.c20, t.c21},
                                     {t.c30, t.c31}, {t.c40, t.c41}, {t.c50, t.c51}};
    for (int r = 0; r < mr; ++r) {
        if (nr == kGemmNR)
            finish(std::true_type(), r, rows[r][0], rows[r][1]);
        else
            finish(std::false_type(), r, rows[r][0], rows[r][1]);
    }
}

// The plain instance unless this block finishes the tile with an activation.
template <int64_t kPrefetchFloats>
inline void multiply_tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr, int nr,
                          const TileEpilogue& ep) {
    with_activation_lanes(ep.finish ? ep.activation : nullptr, [&](const auto& activation) {
        multiply_tile<kPrefetchFloats>(kc, a, b, c, ldc, mr, nr, ep, activation);
    });
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
