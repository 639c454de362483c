#include <algorithm>
#include <cmath>

#include "resample/resize2d.h"

namespace cnnengine {

namespace {

// Source index and weight of one axis, from the coordinate directly (no table).
void source_pair(const ResizeSpec& spec, int64_t x, int64_t in, int64_t out, double scale, int64_t* lo, int64_t* hi,
                 double* t) {
    const double src = resize_source_coordinate(spec.coordinates, x, in, out, scale);
    if (spec.mode == ResizeMode::nearest) {
        double r = src;
        switch (spec.rounding) {
            case NearestRounding::round_prefer_floor: r = src - std::floor(src) == 0.5 ? std::floor(src) : std::round(src); break;
            case NearestRounding::round_prefer_ceil: r = src - std::floor(src) == 0.5 ? std::ceil(src) : std::round(src); break;
            case NearestRounding::floor: r = std::floor(src); break;
            case NearestRounding::ceil: r = std::ceil(src); break;
        }
        *lo = *hi = std::min<int64_t>(std::max<int64_t>(static_cast<int64_t>(r), 0), in - 1);
        *t = 0.0;
        return;
    }
    const double c = std::min(std::max(src, 0.0), static_cast<double>(in - 1));
    *lo = static_cast<int64_t>(std::floor(c));
    *hi = std::min(*lo + 1, in - 1);
    *t = c - static_cast<double>(*lo);
}

}  // namespace

void resize2d_ref(const ResizeSpec& spec, const float* x, int64_t planes, int64_t h, int64_t w, int64_t oh,
                  int64_t ow, double scale_h, double scale_w, float* y) {
    for (int64_t p = 0; p < planes; ++p) {
        for (int64_t oy = 0; oy < oh; ++oy) {
            int64_t y0, y1;
            double ty;
            source_pair(spec, oy, h, oh, scale_h, &y0, &y1, &ty);
            for (int64_t ox = 0; ox < ow; ++ox) {
                int64_t x0, x1;
                double tx;
                source_pair(spec, ox, w, ow, scale_w, &x0, &x1, &tx);
                const float* plane = x + p * h * w;
                const double v = (1 - ty) * ((1 - tx) * plane[y0 * w + x0] + tx * plane[y0 * w + x1]) +
                                 ty * ((1 - tx) * plane[y1 * w + x0] + tx * plane[y1 * w + x1]);
                y[(p * oh + oy) * ow + ox] = static_cast<float>(v);
            }
        }
    }
}

}  // namespace cnnengine
