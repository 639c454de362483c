#include "conv/conv2d_ref.h"

namespace cnnengine {

void conv2d_ref(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                const float* bias, const float* residual, bool relu, float* y) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w);
    const int64_t cin_g = p.in_per_group(), cout_g = p.out_per_group();
    for (int64_t b = 0; b < n; ++b) {
        for (int64_t co = 0; co < p.out_channels; ++co) {
            const int64_t g = co / cout_g;
            for (int64_t oy = 0; oy < oh; ++oy) {
                for (int64_t ox = 0; ox < ow; ++ox) {
                    double sum = 0.0;
                    for (int64_t cig = 0; cig < cin_g; ++cig) {
                        const int64_t ci = g * cin_g + cig;
                        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
                            const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                            if (iy < 0 || iy >= h) continue;
                            for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                                const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                                if (ix < 0 || ix >= w) continue;
                                const double xv = x[((b * p.in_channels + ci) * h + iy) * w + ix];
                                const double wv = weight[((co * cin_g + cig) * p.kernel_h + ky) * p.kernel_w + kx];
                                sum += xv * wv;
                            }
                        }
                    }
                    const int64_t at = ((b * p.out_channels + co) * oh + oy) * ow + ox;
                    float v = static_cast<float>(sum);
                    if (bias) v += bias[co];
                    if (residual) v += residual[at];
                    if (relu && v < 0.0f) v = 0.0f;
                    y[at] = v;
                }
            }
        }
    }
}

}  // namespace cnnengine
