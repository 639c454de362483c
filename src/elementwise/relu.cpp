#include "elementwise/relu.h"

#include "common/parallel_ranges.h"

namespace cnnengine {

void relu(const float* x, float* y, int64_t n) {
    parallel_element_ranges(n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];  // NaN passes through, as in torch.relu
    });
}

}  // namespace cnnengine
