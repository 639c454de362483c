// Inverted dropout for training: element i is kept when u(seed, i) >= p, where u is a
// counter-based uniform in [0, 1) (splitmix64 of seed and index), so a seed gives the same mask
// whatever the thread count; kept values are scaled by 1 / (1 - p). The mask (1 kept, 0 dropped)
// is written for the backward pass, which applies the same mask and scale to dy.
#pragma once

#include <cstdint>

namespace cnnengine {

// y and dx may alias x and dy. 0 <= p < 1.
void dropout_forward(const float* x, float* y, uint8_t* mask, int64_t count, double p, uint64_t seed);
void dropout_backward(const float* dy, const uint8_t* mask, float* dx, int64_t count, double p);

}  // namespace cnnengine
