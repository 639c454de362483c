// AVX2/FMA depthwise wide-plane loop (depthwise_wide.h): eight ymm accumulators (64 outputs),
// one broadcast weight and eight unaligned loads per tap; then four, then one vector at a time.
// Dense convs: four output channels per pass (dense_wide_x4), sharing each tap's loads.
// Compiled with -mavx2 -mfma only.
#include <immintrin.h>

#include "conv/depthwise_wide.h"
#include "conv/deinterleave_row.h"
#include "conv/depthwise_wide_rows.h"

namespace cnnengine {

static_assert(kDepthwiseWideStep == 8, "one ymm vector");

void depthwise_wide_avx2_fma(const DepthwiseWidePlane& plane, float* wide) {
    // Locals: stores to `wide` could otherwise alias the plane's fields and force reloads.
    const float* sub = plane.sub;
    const float* kernel = plane.kernel;
    const int64_t* tap_offsets = plane.tap_offsets;
    const int taps = plane.taps;
    const int64_t count = plane.count;
    const __m256 bias = _mm256_set1_ps(plane.bias);
    int64_t p = 0;
    // Eight accumulators first: independent FMA chains enough to cover its latency (4 cycles, 2 a cycle).
    for (; p + 64 <= count; p += 64) {
        __m256 acc[8];
#pragma GCC unroll 8
        for (int j = 0; j < 8; ++j) acc[j] = bias;
        const float* base = sub + p;
        for (int t = 0; t < taps; ++t) {
            const __m256 wv = _mm256_broadcast_ss(kernel + t);
            const float* src = base + tap_offsets[t];
#pragma GCC unroll 8
            for (int j = 0; j < 8; ++j) acc[j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src + 8 * j), acc[j]);
        }
#pragma GCC unroll 8
        for (int j = 0; j < 8; ++j) _mm256_storeu_ps(wide + p + 8 * j, acc[j]);
    }
    for (; p + 32 <= count; p += 32) {
        __m256 a0 = bias, a1 = bias, a2 = bias, a3 = bias;
        const float* base = sub + p;
        for (int t = 0; t < taps; ++t) {
            const __m256 wv = _mm256_broadcast_ss(kernel + t);
            const float* src = base + tap_offsets[t];
            a0 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src), a0);
            a1 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src + 8), a1);
            a2 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src + 16), a2);
            a3 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(src + 24), a3);
        }
        _mm256_storeu_ps(wide + p, a0);
        _mm256_storeu_ps(wide + p + 8, a1);
        _mm256_storeu_ps(wide + p + 16, a2);
        _mm256_storeu_ps(wide + p + 24, a3);
    }
    for (; p < count; p += 8) {  // two accumulators: half the FMA latency chain
        __m256 a0 = bias, a1 = _mm256_setzero_ps();
        int t = 0;
        for (; t + 2 <= taps; t += 2) {
            a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(kernel + t), _mm256_loadu_ps(sub + p + tap_offsets[t]), a0);
            a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(kernel + t + 1), _mm256_loadu_ps(sub + p + tap_offsets[t + 1]),
                                 a1);
        }
        if (t < taps) a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(kernel + t), _mm256_loadu_ps(sub + p + tap_offsets[t]), a0);
        _mm256_storeu_ps(wide + p, _mm256_add_ps(a0, a1));
    }
}

namespace {

// kVectors vectors of outputs at p for the four channels: 4 * kVectors accumulators.
template <int kVectors>
void dense_wide_x4_block(const DepthwiseWidePlane& plane, const float* bias, float* wide, int64_t p) {
    const float* base = plane.sub + p;
    const float* kernel = plane.kernel;
    const int64_t* tap_offsets = plane.tap_offsets;
    const int taps = plane.taps;
    __m256 acc[kWideChannelBlock][kVectors];
#pragma GCC unroll 4
    for (int j = 0; j < kWideChannelBlock; ++j)
#pragma GCC unroll 2
        for (int v = 0; v < kVectors; ++v) acc[j][v] = _mm256_set1_ps(bias[j]);
    for (int t = 0; t < taps; ++t) {
        const float* src = base + tap_offsets[t];
        __m256 in[kVectors];
#pragma GCC unroll 2
        for (int v = 0; v < kVectors; ++v) in[v] = _mm256_loadu_ps(src + 8 * v);
#pragma GCC unroll 4
        for (int j = 0; j < kWideChannelBlock; ++j) {
            const __m256 wv = _mm256_broadcast_ss(kernel + j * taps + t);
#pragma GCC unroll 2
            for (int v = 0; v < kVectors; ++v) acc[j][v] = _mm256_fmadd_ps(wv, in[v], acc[j][v]);
        }
    }
#pragma GCC unroll 4
    for (int j = 0; j < kWideChannelBlock; ++j)
#pragma GCC unroll 2
        for (int v = 0; v < kVectors; ++v) _mm256_storeu_ps(wide + j * plane.count + p + 8 * v, acc[j][v]);
}

}  // namespace

void dense_wide_x4_avx2_fma(const DepthwiseWidePlane& plane, const float* bias, float* wide) {
    int64_t p = 0;
    for (; p + 16 <= plane.count; p += 16) dense_wide_x4_block<2>(plane, bias, wide, p);
    for (; p < plane.count; p += 8) dense_wide_x4_block<1>(plane, bias, wide, p);
}

namespace {

// The last vector overlaps the one before instead of a masked store (slow on AMD Zen); src and
// dst do not overlap.
inline void copy_row(const float* src, int64_t n, float* dst) {
    if (n >= 8) {
        for (int64_t i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
        if (n % 8) _mm256_storeu_ps(dst + n - 8, _mm256_loadu_ps(src + n - 8));
    } else if (n >= 4) {
        _mm_storeu_ps(dst, _mm_loadu_ps(src));
        _mm_storeu_ps(dst + n - 4, _mm_loadu_ps(src + n - 4));
    } else {
        for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
    }
}

}  // namespace

void fill_sub_planes_avx2_fma(const WideGeometry& g, const float* in, int64_t h, int64_t w, float* sub) {
    wide_rows::fill_sub_planes(g, in, h, w, sub, copy_row, deinterleave_row_avx2_fma);
}

void compact_wide_avx2_fma(const float* wide, int64_t ws, const float* residual, bool relu, const Activation* activation,
                           float* out, int64_t rows, int64_t ow) {
    wide_rows::compact_wide(wide, ws, residual, relu, activation, out, rows, ow, copy_row);
}

}  // namespace cnnengine
