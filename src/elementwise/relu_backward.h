// ReLU backward from the forward's output: dx = dy where y > 0, else 0 (PyTorch's threshold
// backward; the gradient at 0 is 0). dx may alias dy. Threaded for large tensors.
#pragma once

#include <cstdint>

namespace cnnengine {

void relu_backward(const float* y, const float* dy, float* dx, int64_t count);

}  // namespace cnnengine
