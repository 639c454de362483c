// Data gradient of stride-1 convolutions with few output channels per group (LeNet's second
// conv), where the GEMM path's product W^T [K x Cout/g] * dy has a depth of only Cout/g (16):
// the micro-kernel then spends most of its time loading and storing C, and col2im scatters it.
//
// dx is the full correlation of dy with the kernel. With the input zero-padded to Hp x Wp and
// dy placed on that padded width (dy[oy][ox] at j = oy * Wp + ox, zero elsewhere, behind a
// margin of zeros), tap (co, ky, kx) contributes to padded input position i the value of dy at
// i - (ky * dh * Wp + kx * dw): a shifted slice of the dy buffer. So dx comes out of one
// slice_gemm.h product per image, with no col2im. Reference: conv2d_backward_ref.
#pragma once

#include <vector>

#include "conv/conv2d_params.h"

namespace cnnengine {

// At most this many output channels per group take this path (as conv2d_weight_grad_dot.h: dx
// of 2 x 32 x 112 x 112 with 16 outputs 5.4 ms against 18.0 on the GEMM path with 17; ResNet's
// 64- and 128-channel layers lose, 21 ms against 14-18), and at least this many input
// channels: the product computes six at a time (a single input channel ran 1.2 ms against the
// GEMM path's 0.9 for LeNet's first conv at batch 64, whose dx training never asks for).
constexpr int64_t kDataGradSlicesMaxOutputs = 16;
constexpr int64_t kDataGradSlicesMinInputs = 6;

// True when conv2d_data_grad_slices applies: stride 1 and the channel bounds above.
bool data_grad_by_slices(const Conv2dParams& p);

// Group g's weights as the product's left operand: [Cin/g][(co * kh + ky) * kw + kx].
std::vector<float> data_grad_slice_weights(const Conv2dParams& p, const float* weight, int64_t g);

// dx of group g for images [b0, b1), overwritten; `slice_weights` from data_grad_slice_weights.
void conv2d_data_grad_slices(const Conv2dParams& p, const float* slice_weights, const float* dy, int64_t b0,
                             int64_t b1, int64_t g, int64_t h, int64_t w, float* dx);

}  // namespace cnnengine
