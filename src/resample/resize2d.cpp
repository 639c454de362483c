#include "resample/resize2d.h"

#include "common/parallel_ranges.h"

namespace cnnengine {

void resize2d(const ResizeSpec& spec, const float* x, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
              double scale_h, double scale_w, float* y) {
    const AxisTaps rows = resize_axis_taps(spec, h, oh, scale_h);
    const AxisTaps cols = resize_axis_taps(spec, w, ow, scale_w);
    const bool nearest = spec.mode == ResizeMode::nearest;
    parallel_ranges(planes, oh * ow, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
            const float* src = x + p * h * w;
            float* dst = y + p * oh * ow;
            for (int64_t oy = 0; oy < oh; ++oy, dst += ow) {
                const float* top = src + rows.lo[oy] * w;
                if (nearest) {
                    for (int64_t ox = 0; ox < ow; ++ox) dst[ox] = top[cols.lo[ox]];
                    continue;
                }
                const float* bottom = src + rows.hi[oy] * w;
                const float ty = rows.t[oy];
                for (int64_t ox = 0; ox < ow; ++ox) {
                    const int64_t l = cols.lo[ox], r = cols.hi[ox];
                    const float tx = cols.t[ox];
                    const float upper = top[l] + tx * (top[r] - top[l]);
                    const float lower = bottom[l] + tx * (bottom[r] - bottom[l]);
                    dst[ox] = upper + ty * (lower - upper);
                }
            }
        }
    });
}

void resize2d_backward(const ResizeSpec& spec, const float* grad_y, int64_t planes, int64_t h, int64_t w, int64_t oh,
                       int64_t ow, double scale_h, double scale_w, float* grad_x) {
    const AxisTaps rows = resize_axis_taps(spec, h, oh, scale_h);
    const AxisTaps cols = resize_axis_taps(spec, w, ow, scale_w);
    parallel_ranges(planes, oh * ow, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {  // planes are independent: no two threads touch one
            float* gx = grad_x + p * h * w;
            const float* gy = grad_y + p * oh * ow;
            for (int64_t i = 0; i < h * w; ++i) gx[i] = 0.0f;
            for (int64_t oy = 0; oy < oh; ++oy, gy += ow) {
                float* top = gx + rows.lo[oy] * w;
                float* bottom = gx + rows.hi[oy] * w;
                const float ty = rows.t[oy];
                for (int64_t ox = 0; ox < ow; ++ox) {
                    const int64_t l = cols.lo[ox], r = cols.hi[ox];
                    const float tx = cols.t[ox], g = gy[ox];
                    const float g_top = g * (1.0f - ty), g_bottom = g * ty;
                    top[l] += g_top * (1.0f - tx);
                    top[r] += g_top * tx;
                    bottom[l] += g_bottom * (1.0f - tx);
                    bottom[r] += g_bottom * tx;
                }
            }
        }
    });
}

}  // namespace cnnengine
