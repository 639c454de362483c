#include <vector>

#include "conv/conv_transpose2d.h"

namespace cnnengine {

void conv_transpose2d_ref(const ConvTranspose2dParams& p, const float* x, int64_t n, int64_t h, int64_t w,
                          const float* weight, const float* bias, float* y) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w);
    const int64_t cin_g = p.in_per_group(), cout_g = p.out_per_group();
    std::vector<double> acc(oh * ow);
    for (int64_t b = 0; b < n; ++b) {
        for (int64_t co = 0; co < p.out_channels; ++co) {
            const int64_t g = co / cout_g, cog = co % cout_g;
            std::fill(acc.begin(), acc.end(), bias ? bias[co] : 0.0);
            for (int64_t cig = 0; cig < cin_g; ++cig) {
                const int64_t ci = g * cin_g + cig;
                for (int64_t iy = 0; iy < h; ++iy) {
                    for (int64_t ix = 0; ix < w; ++ix) {
                        const double xv = x[((b * p.in_channels + ci) * h + iy) * w + ix];
                        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
                            const int64_t oy = iy * p.stride_h - p.pad_top + ky * p.dilation_h;
                            if (oy < 0 || oy >= oh) continue;
                            for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                                const int64_t ox = ix * p.stride_w - p.pad_left + kx * p.dilation_w;
                                if (ox < 0 || ox >= ow) continue;
                                acc[oy * ow + ox] += xv * weight[((ci * cout_g + cog) * p.kernel_h + ky) * p.kernel_w + kx];
                            }
                        }
                    }
                }
            }
            float* out = y + (b * p.out_channels + co) * oh * ow;
            for (int64_t i = 0; i < oh * ow; ++i) out[i] = static_cast<float>(acc[i]);
        }
    }
}

}  // namespace cnnengine
