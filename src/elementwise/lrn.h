// Local response normalization across channels of NCHW float32 data, exactly as
// torch.nn.functional.local_response_norm:
//   y[n,c,p] = x[n,c,p] / (k + alpha / size * sum_{c' = c - size/2}^{c + (size-1)/2} x[n,c',p]^2)^beta
// with the window clipped to [0, C) and the divisor always `size` (PyTorch pads with zeros).
// Vectorised across a block of pixels with a running window sum over channels (in double, so the
// add/subtract sliding stays exact to ~1e-16); beta 0.75, 0.5 and 1 use float sqrt/div, not pow.
// Reference: lrn_ref.h.
#pragma once

#include <cstdint>

namespace cnnengine {

// y must not alias x. size >= 1.
void lrn(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner, int64_t size, double alpha,
         double beta, double k);

}  // namespace cnnengine
