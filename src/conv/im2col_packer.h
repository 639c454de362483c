// im2col fused into the packing of B: for one image and one group, B[k][j] is the input value
// that tap k = (ci, ky, kx) of the kernel sees at output pixel j = (oy, ox), zero in the padding.
// The K x (OH*OW) matrix is never built: the driver asks for kc x nc blocks, packed straight into
// NR-column panels (see gemm/pack.h) by the ISA's panel packer (im2col_panel.h).
// Reference: conv2d_ref.
#pragma once

#include "conv/conv2d_params.h"
#include "conv/im2col_panel.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

class Im2colBPacker final : public BPanelPacker {
public:
    // `image` points at the group's first input channel (Cin/groups planes of h x w), with rows
    // split by column phase when `phase_split` (column_phase_split.h).
    Im2colBPacker(const Conv2dParams& params, const float* image, int64_t h, int64_t w, bool phase_split)
        : p_(params), image_(image), h_(h), w_(w), out_w_(params.output_w(w)), phase_split_(phase_split),
          pack_panel_(active_im2col_panel_packer()) {}

    void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* out) const override;

private:
    // The panel of output pixels col0 .. col0+cols-1, cut into runs along output rows.
    Im2colPanel panel_at(int64_t col0, int cols) const;

    const Conv2dParams& p_;
    const float* image_;
    int64_t h_, w_, out_w_;
    bool phase_split_;
    Im2colPanelPacker pack_panel_;
};

}  // namespace cnnengine
