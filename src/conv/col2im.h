// col2im: the adjoint of im2col, for the data gradient of a convolution. For one image and one
// group, col[k][j] (K x OH*OW, k = (ci, ky, kx) with kx fastest, j = (oy, ox)) is added to the
// input pixel that tap k reads at output pixel j; entries that fall in the padding are dropped.
// Reference: conv2d_backward_ref.
#pragma once

#include "conv/conv2d_params.h"

namespace cnnengine {

// image: the group's first input channel (Cin/groups planes of h x w), accumulated into.
void col2im_add(const Conv2dParams& p, const float* col, int64_t h, int64_t w, float* image);

}  // namespace cnnengine
