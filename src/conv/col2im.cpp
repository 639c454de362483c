#include "conv/col2im.h"

namespace cnnengine {

void col2im_add(const Conv2dParams& p, const float* col, int64_t h, int64_t w, float* image) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w), sw = p.stride_w;
    for (int64_t ci = 0; ci < p.in_per_group(); ++ci) {
        float* plane = image + ci * h * w;
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
            for (int64_t kx = 0; kx < p.kernel_w; ++kx, col += oh * ow) {
                const int64_t x_shift = kx * p.dilation_w - p.pad_left;
                const InsideOutputs inside = inside_outputs(x_shift, sw, w, ow);
                for (int64_t oy = 0; oy < oh; ++oy) {
                    const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                    if (iy < 0 || iy >= h) continue;
                    float* row = plane + iy * w;
                    const float* src = col + oy * ow;
                    for (int64_t ox = inside.begin; ox < inside.end; ++ox) row[ox * sw + x_shift] += src[ox];
                }
            }
        }
    }
}

}  // namespace cnnengine
