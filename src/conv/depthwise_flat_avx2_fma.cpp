// AVX2/FMA depthwise flat-plane loops (depthwise_flat.h). The filter keeps a chunk of up to 8
// vectors (64 outputs) in registers over all taps: 8 independent FMA chains cover the FMA
// latency (4 cycles, 2 per cycle), with one broadcast and up to 8 loads per tap.
// Compiled with -mavx2 -mfma only.
#include <immintrin.h>

#include <algorithm>

#include "common/avx2_lanes.h"
#include "conv/depthwise_flat.h"
#include "elementwise/clamp_activation_avx2.h"

namespace cnnengine {

namespace {

constexpr int kLanes = 8;
constexpr int kMaxChunk = 8;

// Activate: ClampActivationLanes, or NoActivation for the plain instances.
template <int N, class Activate>
void filter_chunk(const DepthwiseFlatPlane& plane, const Activate& activation, int64_t o) {
    // Locals: the compiler cannot keep struct fields in registers across the loads below.
    const float* src = plane.sub + o;
    const float* kernel = plane.kernel;
    const int64_t* offsets = plane.offsets;
    const int taps = plane.taps;
    __m256 acc[N];
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) acc[j] = _mm256_set1_ps(plane.bias);
    for (int t = 0; t < taps; ++t) {
        const __m256 wv = _mm256_broadcast_ss(kernel + t);
        const float* s = src + offsets[t];
#pragma GCC unroll 8
        for (int j = 0; j < N; ++j) acc[j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(s + j * kLanes), acc[j]);
    }
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) {
        const int64_t at = o + j * kLanes, lanes = std::min<int64_t>(kLanes, plane.count - at);
        const bool full = lanes == kLanes;
        const __m256i keep = full ? _mm256_set1_epi32(-1) : first_lanes(lanes);
        __m256 v = acc[j];
        if (plane.residual)
            v = _mm256_add_ps(v, full ? _mm256_loadu_ps(plane.residual + at) : _mm256_maskload_ps(plane.residual + at, keep));
        if (plane.relu) v = _mm256_max_ps(_mm256_setzero_ps(), v);  // zero first: NaN passes
        v = activation(v);
        if (full)
            _mm256_storeu_ps(plane.out + at, v);
        else
            _mm256_maskstore_ps(plane.out + at, keep, v);
    }
}

// Not inlined into the dispatch below: the plain instance compiles as if the activation were not there.
template <class Activate>
__attribute__((noinline)) void filter_plane(const DepthwiseFlatPlane& plane, const Activate& activation) {
    // Chunks of nearly equal size: 25 vectors run as 7 + 6 + 6 + 6, not 8 + 8 + 8 + 1.
    const int64_t vectors = (plane.count + kLanes - 1) / kLanes;
    const int64_t chunks = (vectors + kMaxChunk - 1) / kMaxChunk;
    int64_t o = 0;
    for (int64_t c = 0; c < chunks; ++c) {
        const int64_t size = vectors / chunks + (c < vectors % chunks ? 1 : 0);
        switch (size) {
            case 8: filter_chunk<8>(plane, activation, o); break;
            case 7: filter_chunk<7>(plane, activation, o); break;
            case 6: filter_chunk<6>(plane, activation, o); break;
            case 5: filter_chunk<5>(plane, activation, o); break;
            case 4: filter_chunk<4>(plane, activation, o); break;
            case 3: filter_chunk<3>(plane, activation, o); break;
            case 2: filter_chunk<2>(plane, activation, o); break;
            default: filter_chunk<1>(plane, activation, o); break;
        }
        o += size * kLanes;
    }
}

}  // namespace

void depthwise_flat_avx2_fma(const DepthwiseFlatPlane& plane) {
    with_activation_lanes(plane.activation, [&](const auto& activation) { filter_plane(plane, activation); });
}

void masked_rows_avx2_fma(const float* src, int64_t src_stride, int64_t rows, int64_t width, const uint32_t* keep,
                          float* dst) {
    // Masked loads zero the dropped columns and never touch memory past a row; each row's spare
    // lanes land on the next row's start before that row is written.
    const int64_t vectors = (width + kLanes - 1) / kLanes;
    for (int64_t i = 0; i < rows; ++i) {
        const float* row = src + i * src_stride;
        float* out = dst + i * width;
        for (int64_t v = 0; v < vectors; ++v) {
            const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keep + v * kLanes));
            _mm256_storeu_ps(out + v * kLanes, _mm256_maskload_ps(row + v * kLanes, m));
        }
    }
}

void deinterleave_row_avx2_fma(const float* in, int64_t half, float* even, float* odd) {
    int64_t j = 0;
    for (; j + 8 <= half; j += 8) {
        const __m256 lo = _mm256_loadu_ps(in + 2 * j), hi = _mm256_loadu_ps(in + 2 * j + 8);
        // Per 128-bit lane: (lo0 lo2 hi0 hi2) and (lo1 lo3 hi1 hi3); then put the 64-bit halves in order.
        const __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
        const __m256 d = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
        _mm256_storeu_ps(even + j, interleave_lanes(e));
        _mm256_storeu_ps(odd + j, interleave_lanes(d));
    }
    for (; j < half; ++j) {
        even[j] = in[2 * j];
        odd[j] = in[2 * j + 1];
    }
}

}  // namespace cnnengine
