// Direct convolution on the wide layout of depthwise_wide.h: the input channels of a group are
// split once into zero-padded parity sub-planes, then every output channel of the group is one
// flat pass of (Cin / groups) * kh * kw taps over them, cut to the output rows with the epilogue
// y = activation(relu?(conv(x) + bias + residual)) (activation clamp-shaped or null). It serves
// depthwise convs (one channel a group) and dense convs with few taps, such as a 3-channel stem,
// where a GEMM would spend its time packing.
// Layout NCHW, weight [Cout, Cin/groups, kh, kw]. Reference: conv2d_ref.
#pragma once

#include "conv/conv2d_params.h"
#include "elementwise/activation.h"

namespace cnnengine {

// Stride 1 or 2, the same along both axes, and no dilation.
bool fits_direct_wide(const Conv2dParams& p);

// Dense convs (one group) that run direct_conv2d_wide by default: at most this many taps per
// output (MobileNet's 3 x 3 x 3 stem: 27) and not 1 x 1 (those need no packing at all).
constexpr int64_t kMaxDirectWideTaps = 32;
bool prefers_direct_wide(const Conv2dParams& p);

void direct_conv2d_wide(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                        const float* bias, const float* residual, bool relu, const Activation* activation, float* y);

}  // namespace cnnengine
