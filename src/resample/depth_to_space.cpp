#include "resample/depth_to_space.h"

#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

int64_t source_channel(DepthToSpaceMode mode, int64_t k, int64_t i, int64_t j, int64_t c, int64_t b) {
    return mode == DepthToSpaceMode::crd ? (k * b + i) * b + j : (i * b + j) * c + k;
}

// Visits every pair (source plane row, output row) once: copy(out_row, in_row, b) moves w pixels
// between input row `in_row` and the output pixels out_row[0], out_row[b], ...
template <class Copy>
void for_each_row(DepthToSpaceMode mode, int64_t n, int64_t c, int64_t h, int64_t w, int64_t b, Copy copy) {
    const int64_t oh = h * b, ow = w * b;
    parallel_ranges(n * c, oh * ow, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const int64_t image = plane / c, k = plane % c;
            for (int64_t i = 0; i < b; ++i) {
                for (int64_t j = 0; j < b; ++j) {
                    const int64_t src_plane = image * c * b * b + source_channel(mode, k, i, j, c, b);
                    for (int64_t row = 0; row < h; ++row) {
                        copy(plane * oh * ow + (row * b + i) * ow + j, (src_plane * h + row) * w);
                    }
                }
            }
        }
    });
}

}  // namespace

void depth_to_space(DepthToSpaceMode mode, const float* x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t block,
                    float* y) {
    for_each_row(mode, n, c, h, w, block, [&](int64_t out_at, int64_t in_at) {
        for (int64_t col = 0; col < w; ++col) y[out_at + col * block] = x[in_at + col];
    });
}

void space_to_depth(DepthToSpaceMode mode, const float* y, int64_t n, int64_t c, int64_t h, int64_t w, int64_t block,
                    float* x) {
    for_each_row(mode, n, c, h, w, block, [&](int64_t out_at, int64_t in_at) {
        for (int64_t col = 0; col < w; ++col) x[in_at + col] = y[out_at + col * block];
    });
}

}  // namespace cnnengine
