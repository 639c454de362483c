// ReLU backward from the forward's output: dx = 0 where y <= 0, else dy (PyTorch's threshold
// backward: the gradient at 0 is 0, and a NaN output passes dy). dx may alias dy. Threaded for
// large tensors.
#pragma once

#include <cstdint>

namespace cnnengine {

void relu_backward(const float* y, const float* dy, float* dx, int64_t count);

}  // namespace cnnengine
