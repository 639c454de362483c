#include "conv/im2row.h"

namespace cnnengine {

namespace {

// Calls visit(k, input_offset) for the taps of output pixel (oy, ox) that land inside the input,
// and skip(k) for those in the padding. Taps in GEMM-column order: kx fastest, then ky, then ci.
template <class Visit, class Skip>
inline void for_each_tap(const Conv2dParams& p, int64_t h, int64_t w, int64_t oy, int64_t ox, Visit&& visit,
                         Skip&& skip) {
    const int64_t y0 = oy * p.stride_h - p.pad_top, x0 = ox * p.stride_w - p.pad_left;
    int64_t k = 0;
    for (int64_t ci = 0; ci < p.in_per_group(); ++ci) {
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
            const int64_t iy = y0 + ky * p.dilation_h;
            const bool row_inside = iy >= 0 && iy < h;
            for (int64_t kx = 0; kx < p.kernel_w; ++kx, ++k) {
                const int64_t ix = x0 + kx * p.dilation_w;
                if (row_inside && ix >= 0 && ix < w)
                    visit(k, (ci * h + iy) * w + ix);
                else
                    skip(k);
            }
        }
    }
}

}  // namespace

void im2row(const Conv2dParams& p, const float* image, int64_t h, int64_t w, float* rows) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w), depth = p.depth();
    for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < ow; ++ox) {
            float* row = rows + (oy * ow + ox) * depth;
            for_each_tap(
                p, h, w, oy, ox, [&](int64_t k, int64_t at) { row[k] = image[at]; }, [&](int64_t k) { row[k] = 0.0f; });
        }
    }
}

void row2im_add(const Conv2dParams& p, const float* rows, int64_t h, int64_t w, float* image) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w), depth = p.depth();
    for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < ow; ++ox) {
            const float* row = rows + (oy * ow + ox) * depth;
            for_each_tap(
                p, h, w, oy, ox, [&](int64_t k, int64_t at) { image[at] += row[k]; }, [](int64_t) {});
        }
    }
}

}  // namespace cnnengine
