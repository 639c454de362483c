// The transpose of im2col, used by the convolution backward pass: for one image and one group,
// rows[j][k] is the input value that tap k = (ci, ky, kx) of the kernel sees at output pixel
// j = (oy, ox), zero in the padding. row2im_add is its adjoint: it adds every rows[j][k] back to
// the input pixel it was read from (the data gradient's scatter, "col2im").
#pragma once

#include "conv/conv2d_params.h"

namespace cnnengine {

// image: the group's first input channel (Cin/groups planes of h x w); rows: [OH*OW x depth].
void im2row(const Conv2dParams& p, const float* image, int64_t h, int64_t w, float* rows);

// image[ci][iy][ix] += rows[j][k] for every (j, k) that im2row reads from (ci, iy, ix).
void row2im_add(const Conv2dParams& p, const float* rows, int64_t h, int64_t w, float* image);

}  // namespace cnnengine
