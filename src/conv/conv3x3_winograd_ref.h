// Reference twin of conv3x3_winograd.h: the same F(m x m, 3 x 3) algorithm in plain loops, one tile
// and one output channel at a time, with the matrices of winograd_matrices.h applied as general
// matrix products. Same arguments and epilogue as Conv3x3Winograd::forward.
#pragma once

#include "conv/conv2d_params.h"

namespace cnnengine {

void conv3x3_winograd_ref(const Conv2dParams& params, int tile, const float* x, int64_t n, int64_t h, int64_t w,
                          const float* weight, const float* bias, const float* residual, bool relu, float* y);

}  // namespace cnnengine
