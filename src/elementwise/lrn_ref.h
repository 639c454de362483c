// Reference local response normalization across channels (NCHW float32), the formula of
// torch.nn.functional.local_response_norm evaluated element by element: window sum of squares
// over [c - size/2, c + (size-1)/2] clipped to [0, C), divided by `size`, std::pow in double,
// single-threaded. The oracle for lrn.h.
#pragma once

#include <cstdint>

namespace cnnengine {

void lrn_ref(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner, int64_t size, double alpha,
             double beta, double k);

}  // namespace cnnengine
