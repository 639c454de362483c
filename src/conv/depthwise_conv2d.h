// Direct depthwise convolution (groups == in_channels, any channel multiplier): each output
// plane is one input plane filtered by one kh x kw kernel (a GEMM with M = 1 would waste the
// machine). Shapes whose output is the input divided by the stride (1 or 2) run depthwise_flat.h,
// other strides 1 or 2 without dilation direct_conv2d_wide.h; the rest walk output rows with a
// row accumulator that the compiler vectorises.
// Epilogue y = activation(relu?(conv(x) + bias + residual)), activation clamp-shaped or null.
// Layout NCHW, weight [Cout, 1, kh, kw]. Reference: conv2d_ref.
#pragma once

#include "conv/conv2d_params.h"
#include "elementwise/activation.h"

namespace cnnengine {

// True when `p` is a depthwise convolution this kernel handles.
bool is_depthwise(const Conv2dParams& p);

void depthwise_conv2d(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                      const float* bias, const float* residual, bool relu, const Activation* activation, float* y);

}  // namespace cnnengine
