#include "elementwise/add.h"

#include "common/parallel_ranges.h"

namespace cnnengine {

void add(const float* a, const float* b, float* y, int64_t n, bool relu) {
    parallel_element_ranges(n, [&](int64_t begin, int64_t end) {
        if (relu) {
            for (int64_t i = begin; i < end; ++i) {
                const float v = a[i] + b[i];
                y[i] = v < 0.0f ? 0.0f : v;
            }
        } else {
            for (int64_t i = begin; i < end; ++i) y[i] = a[i] + b[i];
        }
    });
}

}  // namespace cnnengine
