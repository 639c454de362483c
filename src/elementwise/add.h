// Element-wise sum of two same-shaped float32 buffers, optionally followed by ReLU (the residual
// join of ResNet: relu(a + b)). Any layout; y may alias a or b. Reference: numpy a + b in tests.
#pragma once

#include <cstdint>

namespace cnnengine {

void add(const float* a, const float* b, float* y, int64_t n, bool relu);

}  // namespace cnnengine
