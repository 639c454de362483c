// Backward passes of the 2-D pools (pool2d.h), for training. Max pooling records, in its
// training forward, the in-plane index (ih * in_w + iw) of each window's winner (the first
// maximum, or the last NaN, as PyTorch picks it: max_pool2d_with_indices.cpp); its backward adds
// dy there. Average pools spread dy evenly over the window with the forward's divisor. dx is
// overwritten.
// Threaded over N*C planes. Reference twins: pool2d_backward_ref.cpp.
#pragma once

#include <cstdint>

#include "pool/pool2d.h"

namespace cnnengine {

void max_pool2d_with_indices(const float* x, float* y, int32_t* indices, const Pool2dShape& s,
                             const Pool2dParams& p);
// gate (null, or shaped like dy): dy is dropped where gate <= 0. With gate = the pooled output
// this is the backward of ReLU followed by max pooling, pooled from the ReLU's input (the winner
// of a window is the same unless its maximum is <= 0, where ReLU's gradient is 0 anyway).
// False when some index lies outside its plane (that entry is skipped: the indices were not
// made by max_pool2d_with_indices for this shape).
bool max_pool2d_backward(const float* dy, const int32_t* indices, const float* gate, float* dx, const Pool2dShape& s);
void avg_pool2d_backward(const float* dy, float* dx, const Pool2dShape& s, const Pool2dParams& p);
void adaptive_avg_pool2d_backward(const float* dy, float* dx, const Pool2dShape& s);

// Reference twins, single-threaded, double sums. The max twins find each winner window by
// window; the average twins gather: every input pixel visits every window that covers it.
void max_pool2d_with_indices_ref(const float* x, float* y, int32_t* indices, const Pool2dShape& s,
                                 const Pool2dParams& p);
void max_pool2d_backward_ref(const float* x, const float* dy, float* dx, const Pool2dShape& s,
                             const Pool2dParams& p);
void avg_pool2d_backward_ref(const float* dy, float* dx, const Pool2dShape& s, const Pool2dParams& p);
void adaptive_avg_pool2d_backward_ref(const float* dy, float* dx, const Pool2dShape& s);

}  // namespace cnnengine
