// im2row (the transpose of im2col) fused into the packing of B, for the weight gradient of a
// convolution: dW_g [Cout/g x K] += dy_g [Cout/g x OH*OW] * R, where R[j][k] is the input value that
// tap k = (ci, ky, kx) of the kernel sees at output pixel j = (oy, ox), zero in the padding. The
// GEMM's depth runs over the output pixels of several images (image-major), so that small maps
// still give a deep product; its columns run over taps. R is never built: the driver asks for
// kc x nc blocks, packed straight into NR-tap panels (gemm/pack.h). Reference: conv2d_backward_ref.
#pragma once

#include "conv/conv2d_params.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

class Im2rowBPacker final : public BPanelPacker {
public:
    // `image` points at the group's first input channel (Cin/groups planes of h x w) in the first
    // image; the next images follow `image_stride` floats apart.
    Im2rowBPacker(const Conv2dParams& params, const float* image, int64_t image_stride, int64_t h, int64_t w)
        : p_(params), image_(image), image_stride_(image_stride), h_(h), w_(w), out_w_(params.output_w(w)),
          pixels_(params.output_h(h) * out_w_) {}

    void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* out) const override;

private:
    // Column `column` of a panel (row stride NR) with the values tap `tap` sees at pixels [k0, k0+kc).
    void pack_tap(int64_t tap, int64_t k0, int64_t kc, float* column) const;

    const Conv2dParams& p_;
    const float* image_;
    int64_t image_stride_, h_, w_, out_w_, pixels_;
};

}  // namespace cnnengine
