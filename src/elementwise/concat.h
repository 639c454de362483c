// Concatenation of float32 arrays along one axis. Every input is viewed as outer x row_i where
// row_i = (size of the axis in input i) * (product of the later dimensions); the output row is
// the inputs' rows back to back (NCHW along channels: outer = N, row_i = C_i * H * W).
// A copy kernel, so it has no separate reference twin: tests compare with numpy / torch.cat.
#pragma once

#include <cstdint>

namespace cnnengine {

void concat(const float* const* inputs, const int64_t* row_elements, int64_t num_inputs, int64_t outer, float* y);

}  // namespace cnnengine
