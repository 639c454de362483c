// Gradients of a 2-D convolution y = conv(x, W) + b (PyTorch semantics, any stride, padding,
// dilation and groups), given dy = dL/dy:
//   GEMM path, per group, with R = im2row(x) [OH*OW x K] gathered while B is packed
//   (im2row_packer.h):
//     dW_g += dy_g [Cout/g x OH*OW] * R     one GEMM over several images' pixels at a time
//     dcol  = W_g^T [K x Cout/g] * dy_g [Cout/g x OH*OW] per image, then dx += col2im(dcol) (col2im.h);
//     a 1x1 stride-1 unpadded conv writes dcol straight into dx.
//   depthwise (groups == Cin): direct loops, threaded over input channels.
// Images are spread over the threads, each with its own dW accumulator (no atomics).
// Reference: conv2d_backward_ref (plain loops, double accumulation).
#pragma once

#include "conv/conv2d_params.h"

namespace cnnengine {

// What to compute; a null pointer skips that gradient. dx [n, Cin, h, w], dw like the weight,
// db [Cout]: all overwritten.
struct Conv2dGrads {
    float* dx = nullptr;
    float* dw = nullptr;
    float* db = nullptr;
};

void conv2d_backward(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                     const float* dy, const Conv2dGrads& grads);

void conv2d_backward_ref(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w,
                         const float* weight, const float* dy, const Conv2dGrads& grads);

}  // namespace cnnengine
