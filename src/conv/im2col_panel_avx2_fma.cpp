// im2col panel packing with AVX2: each panel row is assembled from two masked loads per run. A
// run's lane mask (its columns whose input column lies inside the image) and where its window
// starts depend only on the kernel column kx, so they are built once per panel; runs whose input
// row is in the padding are skipped. Runs read contiguous floats: stride 1, or stride 2 on rows
// split by column parity. Anything else, panels of more than kMaxRuns runs (output rows under 4
// pixels) and kernels wider than kMaxKernelW go to the scalar version.
#include "conv/im2col_panel.h"

#ifdef CNNENGINE_HAVE_AVX2_UNITS
#include <immintrin.h>

#include <algorithm>

namespace cnnengine {

namespace {

constexpr int kMaxRuns = 6;
constexpr int kMaxKernelW = 11;

// Where one run reads for one kernel column: panel column c comes from the stored row at
// offset + c, where mask (columns 0-7, 8-15) is set.
struct RunWindow {
    int64_t offset;
    __m256i mask[2];
};

void pack_contiguous_runs(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    const Conv2dParams& p = *panel.params;
    const int64_t h = panel.h, w = panel.w, plane = h * w, taps = p.kernel_h * p.kernel_w;
    const int runs = panel.run_count;
    RunWindow windows[kMaxKernelW][kMaxRuns];
    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
        for (int r = 0; r < runs; ++r) {
            const Im2colRun& run = panel.runs[r];
            const int64_t x0 = run.ix + kx * p.dilation_w;  // input column of the run's first column
            alignas(32) int32_t keep[kGemmNR] = {};
            for (int t = 0; t < run.count; ++t) {
                const int64_t x = x0 + t * p.stride_w;
                if (x >= 0 && x < w) keep[run.first + t] = -1;
            }
            RunWindow& window = windows[kx][r];
            window.offset = stored_column(panel, x0) - run.first;
            for (int v = 0; v < 2; ++v) window.mask[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(keep + 8 * v));
        }
    }
    // K runs over (ci, ky, kx), kx fastest: the rows of one (ci, ky) share each run's input row.
    int64_t ci = k0 / taps, ky = (k0 % taps) / p.kernel_w, kx = k0 % p.kernel_w;
    for (int64_t k = 0; k < kc;) {
        const int64_t row_taps = std::min(p.kernel_w - kx, kc - k);
        const float* src_plane = panel.image + ci * plane;
        const float* rows[kMaxRuns];  // each run's input row, or null in the padding
        for (int r = 0; r < runs; ++r) {
            const int64_t iy = panel.runs[r].iy + ky * p.dilation_h;
            rows[r] = iy >= 0 && iy < h ? src_plane + iy * w : nullptr;
        }
        float* dst = out + k * kGemmNR;
        for (int64_t t = 0; t < row_taps; ++t, dst += kGemmNR) {
            __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
            for (int r = 0; r < runs; ++r) {
                if (!rows[r]) continue;
                const RunWindow& window = windows[kx + t][r];
                // The window may start before the row (or the plane): masked-off lanes are never read.
                const float* src = rows[r] + window.offset;
                lo = _mm256_or_ps(lo, _mm256_maskload_ps(src, window.mask[0]));
                hi = _mm256_or_ps(hi, _mm256_maskload_ps(src + 8, window.mask[1]));
            }
            _mm256_storeu_ps(dst, lo);
            _mm256_storeu_ps(dst + 8, hi);
        }
        k += row_taps;
        kx += row_taps;
        if (kx == p.kernel_w) {
            kx = 0;
            if (++ky == p.kernel_h) {
                ky = 0;
                ++ci;
            }
        }
    }
}

}  // namespace

void pack_im2col_panel_avx2_fma(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    const Conv2dParams& p = *panel.params;
    const bool contiguous = panel.parity_split ? p.stride_w == 2 : p.stride_w == 1;
    if (contiguous && panel.run_count <= kMaxRuns && p.kernel_w <= kMaxKernelW)
        pack_contiguous_runs(panel, k0, kc, out);
    else
        pack_im2col_panel_scalar(panel, k0, kc, out);
}

}  // namespace cnnengine

#endif  // CNNENGINE_HAVE_AVX2_UNITS
