#include "conv/column_parity_split.h"

#include "common/aligned_buffer.h"
#include "common/parallel_ranges.h"
#include "conv/deinterleave_row.h"

namespace cnnengine {

const float* split_columns_by_parity(const float* in, int64_t rows, int64_t w) {
    thread_local AlignedBuffer scratch;
    float* out = scratch.reserve(static_cast<size_t>(rows * w));
    const DeinterleaveRow deinterleave = active_deinterleave_row();
    const int64_t even_count = (w + 1) / 2;
    parallel_ranges(rows, w, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const float* row = in + r * w;
            float* even = out + r * w;
            deinterleave(row, w / 2, even, even + even_count);
            if (w % 2) even[even_count - 1] = row[w - 1];
        }
    });
    return out;
}

}  // namespace cnnengine
