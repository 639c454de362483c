// ReLU over a flat float32 buffer: y[i] = max(x[i], 0). Any layout (the op is per element);
// y may alias x (in place). Reference: the definition itself (numpy / torch.relu in the tests).
#pragma once

#include <cstdint>

namespace cnnengine {

void relu(const float* x, float* y, int64_t n);

}  // namespace cnnengine
