// Reference softmax over the middle axis of an outer x K x inner float32 array: for every
// (outer, inner) position, max, exponentials and their sum in double, single-threaded.
// The oracle for softmax.h.
#pragma once

#include <cstdint>

namespace cnnengine {

void softmax_ref(const float* x, float* y, int64_t outer, int64_t classes, int64_t inner);

}  // namespace cnnengine
