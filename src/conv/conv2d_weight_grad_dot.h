// Weight gradient of stride-1 convolutions with few output channels per group (LeNet's 6 and
// 16), where the GEMM path's im2row packing of B (one strided store per tap and pixel, then
// used by only Cout/g rows of A) costs more than the product.
//
// With the input zero-padded to Hp x Wp and the output pixels counted on that padded width
// (j = oy * Wp + ox, the columns ox >= OW being zero in dy), tap (ci, ky, kx) sees at pixel j
// the padded input at j + ky * dh * Wp + kx * dw: every im2col row is a plain slice of the padded
// plane. So dW[r][t] is an inner product of two contiguous runs (weight_grad_dot.h), with no
// gather at all; the price is the Wp - OW zero columns (1/8 of the work for LeNet's first conv).
// Reference: conv2d_backward_ref.
#pragma once

#include "conv/conv2d_params.h"

namespace cnnengine {

// At most this many output channels per group take this path. Measured at 1 thread: 16 outputs
// on 2 x 32 x 112 x 112 (3x3) 5.9 ms against the GEMM path's 9.5 with 17; ResNet's 64- and
// 128-channel 3x3 layers (batch 4) 22-25 ms against the GEMM path's 14.
constexpr int64_t kWeightGradDotMaxRows = 16;

// True when conv2d_weight_grad_dot applies: stride 1 and at most kWeightGradDotMaxRows outputs per group.
bool weight_grad_by_dot(const Conv2dParams& p);

// dw_g [Cout/g x K] += the weight gradient of group g over images [b0, b1).
void conv2d_weight_grad_dot(const Conv2dParams& p, const float* x, int64_t b0, int64_t b1, int64_t g, int64_t h,
                            int64_t w, const float* dy, float* dw_g);

}  // namespace cnnengine
