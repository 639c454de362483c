// Reference convolution: the seven plain loops of the definition, double accumulation.
// y[n][co][oy][ox] = bias[co] + sum_{ci in group, ky, kx} w[co][ci][ky][kx] * x[n][ci][iy][ix]
// (+ residual, then ReLU), iy = oy*sh - pad_top + ky*dh, ix = ox*sw - pad_left + kx*dw.
// The oracle for Conv2d's GEMM and depthwise paths.
#pragma once

#include "conv/conv2d_params.h"

namespace cnnengine {

void conv2d_ref(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                const float* bias, const float* residual, bool relu, float* y);

}  // namespace cnnengine
