// One B panel of im2col packing (im2col_packer.h): rows k0 .. k0+kc of the K x NR panel whose
// columns are `cols` consecutive output pixels. Row k holds, for tap k = (ci, ky, kx), the input
// value each column's pixel sees (zero in the padding and in columns past `cols`).
// The columns are described as runs that lie in one output row, so that a run reads one input
// row at a fixed stride. With a stride of 2 or more the input rows come split by column phase
// (column_phase_split.h), so that a run reads contiguous floats. The scalar version copies run
// by run and is the reference twin of the AVX2 one, which assembles each panel row from one
// masked load per run and vector.
#pragma once

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

}  // namespace cnnengine
