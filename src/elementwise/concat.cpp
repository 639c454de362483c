#include "elementwise/concat.h"

#include <cstring>
#include <vector>

#include "common/parallel_ranges.h"

namespace cnnengine {

void concat(const float* const* inputs, const int64_t* row_elements, int64_t num_inputs, int64_t outer, float* y) {
    std::vector<int64_t> offset(num_inputs + 1, 0);  // where input i starts inside an output row
    for (int64_t i = 0; i < num_inputs; ++i) offset[i + 1] = offset[i] + row_elements[i];
    const int64_t out_row = offset[num_inputs];
    // One item per (outer index, input): a single contiguous copy.
    parallel_ranges(outer * num_inputs, out_row / num_inputs, [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
            const int64_t o = item / num_inputs, i = item % num_inputs;
            std::memcpy(y + o * out_row + offset[i], inputs[i] + o * row_elements[i],
                        static_cast<size_t>(row_elements[i]) * sizeof(float));
        }
    });
}

}  // namespace cnnengine
