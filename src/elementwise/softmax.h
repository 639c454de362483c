// Numerically stable softmax over the middle axis of an outer x K x inner float32 array:
// y[o, k, i] = exp(x[o, k, i] - m) / sum_k' exp(x[o, k', i] - m), m = max_k' x[o, k', i].
// Rank-2 N x K over axis 1 is outer = N, inner = 1 (contiguous rows); NCHW over channels is
// outer = N, K = C, inner = H*W (computed for blocks of pixels at once, vectorised across
// pixels). Sums in double. Reference: softmax_ref.h (and torch.softmax).
#pragma once

#include <cstdint>

namespace cnnengine {

// y may alias x.
void softmax(const float* x, float* y, int64_t outer, int64_t classes, int64_t inner);

}  // namespace cnnengine
