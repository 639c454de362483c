// im2col fused into the packing of B: for one image and one group, B[k][j] is the input value
// that tap k = (ci, ky, kx) of the kernel sees at output pixel j = (oy, ox), zero in the padding.
// The K x (OH*OW) matrix is never built: the driver asks for kc x nc blocks, packed straight into
// NR-column panels (see gemm/pack.h). Reference: conv2d_ref.
#pragma once

#include "conv/conv2d_params.h"
#include "conv/stride2_gather.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

class Im2colBPacker final : public BPanelPacker {
public:
    // `image` points at the group's first input channel (Cin/groups planes of h x w).
    Im2colBPacker(const Conv2dParams& params, const float* image, int64_t h, int64_t w)
        : p_(params), image_(image), h_(h), w_(w), out_w_(params.output_w(w)),
          stride2_gather16_(active_stride2_gather16()) {}

    void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* out) const override;

private:
    void pack_panel(int64_t k0, int64_t kc, int64_t col0, int cols, float* panel) const;

    const Conv2dParams& p_;
    const float* image_;
    int64_t h_, w_, out_w_;
    Stride2Gather16 stride2_gather16_;
};

}  // namespace cnnengine
