#include <algorithm>
#include <cmath>

#include "resample/resize2d.h"

namespace cnnengine {

double resize_source_coordinate(CoordinateMode mode, int64_t x, int64_t in, int64_t out, double scale) {
    switch (mode) {
        case CoordinateMode::half_pixel: return (x + 0.5) / scale - 0.5;
        case CoordinateMode::pytorch_half_pixel: return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
        case CoordinateMode::align_corners:
            return out > 1 ? static_cast<double>(x) * static_cast<double>(in - 1) / static_cast<double>(out - 1) : 0.0;
        case CoordinateMode::asymmetric: return x / scale;
    }
    return 0.0;
}

namespace {

int64_t round_nearest(NearestRounding rounding, double v) {
    switch (rounding) {
        case NearestRounding::round_prefer_floor: return static_cast<int64_t>(std::ceil(v - 0.5));
        case NearestRounding::round_prefer_ceil: return static_cast<int64_t>(std::floor(v + 0.5));
        case NearestRounding::floor: return static_cast<int64_t>(std::floor(v));
        case NearestRounding::ceil: return static_cast<int64_t>(std::ceil(v));
    }
    return 0;
}

}  // namespace

AxisTaps resize_axis_taps(const ResizeSpec& spec, int64_t in, int64_t out, double scale) {
    AxisTaps taps;
    taps.lo.resize(out);
    taps.hi.resize(out);
    taps.t.resize(out);
    for (int64_t i = 0; i < out; ++i) {
        const double src = resize_source_coordinate(spec.coordinates, i, in, out, scale);
        if (spec.mode == ResizeMode::nearest) {
            const int64_t s = std::clamp<int64_t>(round_nearest(spec.rounding, src), 0, in - 1);
            taps.lo[i] = taps.hi[i] = s;
            taps.t[i] = 0.0f;
        } else {
            const double clamped = std::clamp(src, 0.0, static_cast<double>(in - 1));
            const int64_t lo = static_cast<int64_t>(clamped);
            taps.lo[i] = lo;
            taps.hi[i] = std::min(lo + 1, in - 1);
            taps.t[i] = static_cast<float>(clamped - static_cast<double>(lo));
        }
    }
    return taps;
}

}  // namespace cnnengine
