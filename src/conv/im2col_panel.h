// One B panel of im2col packing (im2col_packer.h): rows k0 .. k0+kc of the K x NR panel whose
// columns are `cols` consecutive output pixels. Row k holds, for tap k = (ci, ky, kx), the input
// value each column's pixel sees (zero in the padding and in columns past `cols`).
// The columns are described as runs that lie in one output row, so that a run reads one input
// row at a fixed stride. With a stride of 2 or more the input rows come split by column phase
// (column_phase_split.h), so that a run reads contiguous floats. The scalar version copies run
// by run and is the reference twin of the AVX2 and AVX-512 ones, which assemble each panel row
// from one masked load per run and vector.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv/column_phase_split.h"
#include "conv/conv2d_params.h"
#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

// Columns first .. first+count-1 of the panel: column first+t reads input row iy + ky*dilation_h,
// column ix + t*stride_w + kx*dilation_w (before clipping to the image).
struct Im2colRun {
    int first, count;
    int64_t iy, ix;
};

struct Im2colPanel {
    const Conv2dParams* params;
    const float* image;  // the group's first input channel: planes of h x w
    int64_t h, w;
    bool phase_split;  // rows stored split by column phase, stride_w phases (column_phase_split.h)
    int cols;  // live columns, <= kGemmNR
    int run_count;
    Im2colRun runs[kGemmNR];
};

using Im2colPanelPacker = void (*)(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out);

void pack_im2col_panel_scalar(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out);
void pack_im2col_panel_avx2_fma(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out);
void pack_im2col_panel_avx512(const Im2colPanel& panel, int64_t k0, int64_t kc, float* out);

// The packer for the active ISA (common/cpu_features.h).
Im2colPanelPacker active_im2col_panel_packer();

// Where input column x is stored in its row.
inline int64_t stored_column(const Im2colPanel& panel, int64_t x) {
    return panel.phase_split ? phase_split_column(x, panel.w, panel.params->stride_w) : x;
}

// Steps (ci, ky, kx) to the next tap in GEMM-row order: kx fastest, then ky, then the channel.
inline void advance_tap(const Conv2dParams& p, int64_t& ci, int64_t& ky, int64_t& kx) {
    if (++kx == p.kernel_w) {
        kx = 0;
        if (++ky == p.kernel_h) {
            ky = 0;
            ++ci;
        }
    }
}

// The vector packers (AVX2, AVX-512) assemble a panel row from at most this many runs (output
// rows of 4 pixels or more) and build per-panel windows for kernels up to this wide.
constexpr int kIm2colVectorMaxRuns = 6;
constexpr int kIm2colVectorMaxKernelW = 11;

// Floats between a run's consecutive columns as its rows are stored (1 on phase-split rows) when
// the vector packers take the panel: 1 or 2; else 0 (the scalar version packs it).
inline int im2col_vector_step(const Im2colPanel& panel) {
    const Conv2dParams& p = *panel.params;
    if (panel.run_count > kIm2colVectorMaxRuns || p.kernel_w > kIm2colVectorMaxKernelW) return 0;
    const int64_t step = panel.phase_split ? 1 : p.stride_w;
    return step == 1 || step == 2 ? static_cast<int>(step) : 0;
}

// Walks panel rows [k0, k0 + kc) in groups of consecutive taps that share one (ci, ky), so that
// each run reads one input row for the whole group: pack(channel, ky, kx, k, group) packs rows
// k .. k + group - 1, the taps kx .. kx + group - 1 of input channel ci, whose plane is at `channel`.
template <class PackTaps>
inline void for_each_tap_group(const Im2colPanel& panel, int64_t k0, int64_t kc, PackTaps&& pack) {
    const Conv2dParams& p = *panel.params;
    const int64_t taps = p.kernel_h * p.kernel_w, plane = panel.h * panel.w;
    int64_t ci = k0 / taps, ky = (k0 % taps) / p.kernel_w, kx = k0 % p.kernel_w;
    for (int64_t k = 0; k < kc;) {
        const int64_t group = std::min(p.kernel_w - kx, kc - k);
        pack(panel.image + ci * plane, ky, kx, k, group);
        k += group;
        kx += group - 1;
        advance_tap(p, ci, ky, kx);
    }
}

}  // namespace cnnengine
