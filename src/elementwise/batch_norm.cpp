#include "elementwise/batch_norm.h"

#include <vector>

#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

// Planes shorter than this are processed a whole N-row at a time instead of plane by plane.
constexpr int64_t kMinPlane = 16;

}  // namespace

void batch_norm_scale_shift(int64_t channels, const float* mean, const float* var, const float* weight,
                            const float* bias, double eps, float* scale, float* shift) {
    for (int64_t c = 0; c < channels; ++c) {
        const double s = batch_norm_scale(var, weight, eps, c);
        scale[c] = static_cast<float>(s);
        shift[c] = static_cast<float>((bias ? static_cast<double>(bias[c]) : 0.0) - mean[c] * s);
    }
}

void batch_norm_inference(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner,
                          const float* mean, const float* var, const float* weight, const float* bias,
                          double eps) {
    std::vector<float> scale(channels), shift(channels);
    batch_norm_scale_shift(channels, mean, var, weight, bias, eps, scale.data(), shift.data());
    const float* sc = scale.data();
    const float* sh = shift.data();
    if (inner >= kMinPlane) {
        // One item per plane: a broadcast multiply-add over contiguous pixels.
        parallel_ranges(batch * channels, inner, [&](int64_t begin, int64_t end) {
            for (int64_t p = begin; p < end; ++p) {
                const float s = sc[p % channels], t = sh[p % channels];
                const float* xp = x + p * inner;
                float* yp = y + p * inner;
                for (int64_t i = 0; i < inner; ++i) yp[i] = xp[i] * s + t;
            }
        });
        return;
    }
    // Small planes (N x C, 1x1 maps): one item per sample, channels vary fastest-but-one.
    parallel_ranges(batch, channels * inner, [&](int64_t begin, int64_t end) {
        for (int64_t n = begin; n < end; ++n) {
            const float* xn = x + n * channels * inner;
            float* yn = y + n * channels * inner;
            if (inner == 1) {
                for (int64_t c = 0; c < channels; ++c) yn[c] = xn[c] * sc[c] + sh[c];
                continue;
            }
            for (int64_t c = 0; c < channels; ++c)
                for (int64_t i = 0; i < inner; ++i) yn[c * inner + i] = xn[c * inner + i] * sc[c] + sh[c];
        }
    });
}

}  // namespace cnnengine
