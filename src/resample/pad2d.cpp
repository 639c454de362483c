#include "resample/pad2d.h"

#include <vector>

#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

// Source index of output position i on an axis of `size` with `before` leading pads; -1 for the
// constant border.
int64_t source_index(PadMode mode, int64_t i, int64_t before, int64_t size) {
    int64_t s = i - before;
    if (s >= 0 && s < size) return s;
    switch (mode) {
        case PadMode::constant: return -1;
        case PadMode::edge: return s < 0 ? 0 : size - 1;
        case PadMode::reflect: return s < 0 ? -s : 2 * (size - 1) - s;
    }
    return -1;
}

std::vector<int64_t> axis_map(PadMode mode, int64_t before, int64_t size, int64_t out) {
    std::vector<int64_t> map(out);
    for (int64_t i = 0; i < out; ++i) map[i] = source_index(mode, i, before, size);
    return map;
}

}  // namespace

void pad2d(const Pad2d& pad, const float* x, int64_t planes, int64_t h, int64_t w, float* y) {
    const int64_t oh = h + pad.top + pad.bottom, ow = w + pad.left + pad.right;
    const std::vector<int64_t> rows = axis_map(pad.mode, pad.top, h, oh);
    const std::vector<int64_t> cols = axis_map(pad.mode, pad.left, w, ow);
    parallel_ranges(planes, oh * ow, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
            float* dst = y + p * oh * ow;
            for (int64_t oy = 0; oy < oh; ++oy, dst += ow) {
                if (rows[oy] < 0) {
                    for (int64_t ox = 0; ox < ow; ++ox) dst[ox] = pad.value;
                    continue;
                }
                const float* src = x + (p * h + rows[oy]) * w;
                for (int64_t ox = 0; ox < ow; ++ox) dst[ox] = cols[ox] < 0 ? pad.value : src[cols[ox]];
            }
        }
    });
}

}  // namespace cnnengine
