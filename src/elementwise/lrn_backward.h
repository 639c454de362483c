// Backward of local response normalization (lrn.h). With S_c = k + alpha/size * sum_{j in W(c)}
// x_j^2 over the channel window W(c) = [c - size/2, c + (size-1)/2] and y_c = x_c * S_c^-beta:
//   dx_i = dy_i * S_i^-beta - (2 alpha beta / size) * x_i * sum_{c : i in W(c)} dy_c x_c S_c^(-beta-1)
// Per image, channel planes at a time (vectorised over pixels); threaded over the batch.
// Reference: lrn_backward_ref (per element, double).
#pragma once

#include <cstdint>

namespace cnnengine {

void lrn_backward(const float* x, const float* dy, float* dx, int64_t batch, int64_t channels, int64_t inner,
                  int64_t size, double alpha, double beta, double k);
void lrn_backward_ref(const float* x, const float* dy, float* dx, int64_t batch, int64_t channels, int64_t inner,
                      int64_t size, double alpha, double beta, double k);

}  // namespace cnnengine
