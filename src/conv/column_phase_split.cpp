#include "conv/column_phase_split.h"

#include "common/aligned_buffer.h"
#include "common/parallel_ranges.h"
#include "conv/deinterleave_row.h"

namespace cnnengine {

const float* split_columns_by_phase(const float* in, int64_t rows, int64_t w, int64_t s) {
    thread_local AlignedBuffer scratch;
    float* out = scratch.reserve(static_cast<size_t>(rows * w));
    const DeinterleaveRow deinterleave = active_deinterleave_row();
    const int64_t even_count = (w + 1) / 2;
    parallel_ranges(rows, w, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const float* row = in + r * w;
            float* split = out + r * w;
            if (s == 2) {  // the common stride, vectorised
                deinterleave(row, w / 2, split, split + even_count);
                if (w % 2) split[even_count - 1] = row[w - 1];
                continue;
            }
            for (int64_t phase = 0; phase < s && phase < w; ++phase) {
                float* dst = split + phase_split_column(phase, w, s);
                for (int64_t x = phase; x < w; x += s) *dst++ = row[x];
            }
        }
    });
    return out;
}

}  // namespace cnnengine
