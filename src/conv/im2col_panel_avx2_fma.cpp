// im2col panel packing with AVX2: each panel row is assembled from masked loads, one per run and
// 8-float vector. A run's lane mask (its columns whose input column lies inside the image) depends
// only on the kernel column kx, so the masks are built once per panel; runs whose input row is in
// the padding are skipped. Stride 1 loads the input row as it is; stride 2 loads twice as many
// floats and keeps the even ones. Other strides, panels of more than kMaxRuns runs (output rows
// under 4 pixels) and kernels wider than kMaxKernelW go to the scalar version.
#include "conv/im2col_panel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

namespace cnnengine {

namespace {

constexpr int kMaxRuns = 6;
constexpr int kMaxKernelW = 11;

// Where one run reads for one kernel column: the run's window starts at input column `offset` of
// the row, its float i (vector i / 8) is kept where `mask` says so, and lands in column i / kStride.
template <int kStride>
struct RunWindow {
    int64_t offset;
    __m256i mask[2 * kStride];
};

// 64-bit chunks (a, b, c, d) -> (a, c, b, d): undoes the lane split of _mm256_shuffle_ps.
inline __m256 interleave_lanes(__m256 v) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

template <int kStride>
void pack_panel(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    const Conv2dParams& p = *panel.params;
    const int64_t h = panel.h, w = panel.w, plane = h * w, taps = p.kernel_h * p.kernel_w;
    const int runs = panel.run_count;
    RunWindow<kStride> windows[kMaxKernelW][kMaxRuns];
    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
        for (int r = 0; r < runs; ++r) {
            const Im2colRun& run = panel.runs[r];
            const int64_t x0 = run.ix + kx * p.dilation_w;  // input column of the run's first column
            alignas(32) int32_t keep[16 * kStride] = {};
            for (int t = 0; t < run.count; ++t) {
                const int64_t x = x0 + t * kStride;
                if (x >= 0 && x < w) keep[(run.first + t) * kStride] = -1;
            }
            RunWindow<kStride>& window = windows[kx][r];
            window.offset = x0 - static_cast<int64_t>(run.first) * kStride;
            for (int v = 0; v < 2 * kStride; ++v)
                window.mask[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(keep + 8 * v));
        }
    }
    int64_t ci = k0 / taps, ky = (k0 % taps) / p.kernel_w, kx = k0 % p.kernel_w;
    for (int64_t k = 0; k < kc; ++k, advance_tap(p, ci, ky, kx)) {
        const float* src_plane = panel.image + ci * plane;
        const int64_t dy = ky * p.dilation_h;
        __m256 v[2 * kStride];
        for (int i = 0; i < 2 * kStride; ++i) v[i] = _mm256_setzero_ps();
        for (int r = 0; r < runs; ++r) {
            const int64_t iy = panel.runs[r].iy + dy;
            if (iy < 0 || iy >= h) continue;
            const RunWindow<kStride>& window = windows[kx][r];
            // The window may start before the row (or the plane): masked-off lanes are never read.
            const float* src = src_plane + iy * w + window.offset;
            for (int i = 0; i < 2 * kStride; ++i)
                v[i] = _mm256_or_ps(v[i], _mm256_maskload_ps(src + 8 * i, window.mask[i]));
        }
        float* dst = out + k * kGemmNR;
        if (kStride == 1) {
            _mm256_storeu_ps(dst, v[0]);
            _mm256_storeu_ps(dst + 8, v[1]);
        } else {  // even floats of each vector pair: 0, 2, 8, 10 | 4, 6, 12, 14, then back in order
            _mm256_storeu_ps(dst, interleave_lanes(_mm256_shuffle_ps(v[0], v[1], _MM_SHUFFLE(2, 0, 2, 0))));
            _mm256_storeu_ps(dst + 8, interleave_lanes(_mm256_shuffle_ps(v[2], v[3], _MM_SHUFFLE(2, 0, 2, 0))));
        }
    }
}

}  // namespace

void pack_im2col_panel_avx2_fma(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    const Conv2dParams& p = *panel.params;
    if (panel.run_count > kMaxRuns || p.kernel_w > kMaxKernelW)
        pack_im2col_panel_scalar(panel, k0, kc, out);
    else if (p.stride_w == 1)
        pack_panel<1>(panel, k0, kc, out);
    else if (p.stride_w == 2)
        pack_panel<2>(panel, k0, kc, out);
    else
        pack_im2col_panel_scalar(panel, k0, kc, out);
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
