#include "conv/depthwise_conv2d.h"

#include <algorithm>

#include "common/threading.h"
#include "conv/depthwise_flat.h"
#include "conv/direct_conv2d_wide.h"

namespace cnnengine {

bool is_depthwise(const Conv2dParams& p) { return p.groups > 1 && p.groups == p.in_channels; }

namespace {

// First output column whose tap lands at input column >= 0, and one past the last whose tap
// lands at <= w - 1, for a tap offset `shift` (= kx*dw - pad_left) and stride sw.
inline void valid_columns(int64_t shift, int64_t sw, int64_t w, int64_t ow, int64_t& begin, int64_t& end) {
    begin = shift >= 0 ? 0 : (-shift + sw - 1) / sw;
    end = w - 1 - shift < 0 ? 0 : std::min(ow, (w - 1 - shift) / sw + 1);
}

void filter_plane(const Conv2dParams& p, const float* in, int64_t h, int64_t w, const float* kernel, float bias,
                  const float* residual, bool relu, const Activation* activation, float* out, int64_t oh, int64_t ow) {
    const int64_t sw = p.stride_w;
    for (int64_t oy = 0; oy < oh; ++oy) {
        float* out_row = out + oy * ow;
        for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] = bias;
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
            const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= h) continue;
            const float* in_row = in + iy * w;
            for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                const float wv = kernel[ky * p.kernel_w + kx];
                const int64_t shift = kx * p.dilation_w - p.pad_left;
                int64_t begin, end;
                valid_columns(shift, sw, w, ow, begin, end);
                if (sw == 1) {
                    for (int64_t ox = begin; ox < end; ++ox) out_row[ox] += wv * in_row[ox + shift];
                } else {
                    for (int64_t ox = begin; ox < end; ++ox) out_row[ox] += wv * in_row[ox * sw + shift];
                }
            }
        }
        if (residual) {
            const float* res_row = residual + oy * ow;
            for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] += res_row[ox];
        }
        if (relu)
            for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] = std::max(out_row[ox], 0.0f);
        if (activation) clamp_activation_in_place(*activation, out_row, ow);
    }
}

}  // namespace

void depthwise_conv2d(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                      const float* bias, const float* residual, bool relu, const Activation* activation, float* y) {
    if (fits_depthwise_flat(p, h, w))
        return depthwise_conv2d_flat(p, x, n, h, w, weight, bias, residual, relu, activation, y);
    if (fits_direct_wide(p)) return direct_conv2d_wide(p, x, n, h, w, weight, bias, residual, relu, activation, y);
    const int64_t oh = p.output_h(h), ow = p.output_w(w);
    const int64_t multiplier = p.out_channels / p.in_channels;
    const int64_t planes = n * p.out_channels;
    const int64_t taps = p.kernel_h * p.kernel_w;
    const double macs = static_cast<double>(planes) * oh * ow * taps;
    parallel_for(planes, threads_for(macs, planes), [&](int64_t i) {
        const int64_t b = i / p.out_channels, co = i % p.out_channels;
        const int64_t ci = co / multiplier;
        const float* in = x + (b * p.in_channels + ci) * h * w;
        const int64_t out_offset = i * oh * ow;
        filter_plane(p, in, h, w, weight + co * taps, bias ? bias[co] : 0.0f,
                     residual ? residual + out_offset : nullptr, relu, activation, y + out_offset, oh, ow);
    });
}

}  // namespace cnnengine
