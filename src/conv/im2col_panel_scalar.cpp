// im2col panel packing for the baseline ISA (any CPU, arm64 too), and the ISA dispatch.
#include <cstring>

#include "common/cpu_features.h"
#include "conv/im2col_panel.h"

namespace cnnengine {

namespace {

// Writes `count` values of one input row to dst: columns ix, ix + sw, ... (zero where the column
// falls outside [0, w)), read from `row` as the panel stores it. No divisions and no library calls
// on the common interior path.
inline void copy_row_clipped(const Im2colPanel& panel, const float* row, int64_t ix, int count, float* dst) {
    const int64_t w = panel.w, sw = panel.params->stride_w;
    if (ix >= 0 && ix + (count - 1) * sw < w) {  // interior: the common case
        const float* src = row + stored_column(panel, ix);
        const int64_t step = panel.phase_split ? 1 : sw;  // a phase-split row holds the run contiguously
        if (step == 1)
            for (int t = 0; t < count; ++t) dst[t] = src[t];
        else
            for (int t = 0; t < count; ++t) dst[t] = src[t * step];
        return;
    }
    for (int t = 0; t < count; ++t) {
        const int64_t x = ix + t * sw;
        dst[t] = x >= 0 && x < w ? row[stored_column(panel, x)] : 0.0f;
    }
}

}  // namespace

void pack_im2col_panel_scalar(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out) {
    const Conv2dParams& p = *panel.params;
    const int64_t h = panel.h, w = panel.w, plane = h * w, taps = p.kernel_h * p.kernel_w;
    const bool whole_row_run = panel.run_count == 1 && panel.cols == kGemmNR && p.stride_w == 1;
    int64_t ci = k0 / taps, ky = (k0 % taps) / p.kernel_w, kx = k0 % p.kernel_w;
    for (int64_t k = 0; k < kc; ++k, advance_tap(p, ci, ky, kx)) {
        float* dst = out + k * kGemmNR;
        const float* src_plane = panel.image + ci * plane;
        const int64_t dy = ky * p.dilation_h, dx = kx * p.dilation_w;
        if (whole_row_run) {  // the common case, as a fixed-size copy the compiler inlines
            const int64_t iy = panel.runs[0].iy + dy, ix = panel.runs[0].ix + dx;
            if (iy >= 0 && iy < h && ix >= 0 && ix + kGemmNR - 1 < w) {
                std::memcpy(dst, src_plane + iy * w + ix, sizeof(float) * kGemmNR);
                continue;
            }
        }
        for (int r = 0; r < panel.run_count; ++r) {
            const Im2colRun& run = panel.runs[r];
            const int64_t iy = run.iy + dy;
            if (iy < 0 || iy >= h)
                for (int t = 0; t < run.count; ++t) dst[run.first + t] = 0.0f;
            else
                copy_row_clipped(panel, src_plane + iy * w, run.ix + dx, run.count, dst + run.first);
        }
        for (int c = panel.cols; c < kGemmNR; ++c) dst[c] = 0.0f;
    }
}

Im2colPanelPacker active_im2col_panel_packer() {
#ifdef CNNENGINE_HAVE_AVX512_UNITS
    if (active_isa() >= Isa::avx512) return pack_im2col_panel_avx512;
#endif
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return pack_im2col_panel_avx2_fma;
#endif
    return pack_im2col_panel_scalar;
}

}  // namespace cnnengine
