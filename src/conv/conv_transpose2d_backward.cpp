#include "common/threading.h"
#include "conv/conv2d.h"
#include "conv/conv_transpose2d.h"
#include "elementwise/channel_sum.h"

namespace cnnengine {

void conv_transpose2d_backward_input(const ConvTranspose2dParams& p, const float* weight, const float* grad_y,
                                     int64_t n, int64_t h, int64_t w, float* grad_x) {
    // d(conv_transpose)/dx is the convolution it transposes; its output size is h x w because
    // output_padding < stride.
    const Conv2dParams adjoint_params = p.adjoint();
    const Conv2d adjoint(adjoint_params, weight, nullptr, resolve_conv_algorithm(adjoint_params, "default"));
    adjoint.forward(grad_y, n, p.output_h(h), p.output_w(w), grad_x, nullptr, false);
}

void conv_transpose2d_backward_params(const ConvTranspose2dParams& p, const float* x, const float* grad_y, int64_t n,
                                      int64_t h, int64_t w, float* grad_weight, float* grad_bias) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w);
    const int64_t cin_g = p.in_per_group(), cout_g = p.out_per_group();
    const int threads = threads_for(static_cast<double>(n) * p.in_channels * cout_g * p.kernel_h * p.kernel_w * h * w,
                                    p.in_channels);
    // One task per input channel: it owns grad_weight[ci] and sums over images and pixels.
    parallel_for(p.in_channels, threads, [&](int64_t ci) {
        const int64_t g = ci / cin_g;
        for (int64_t cog = 0; cog < cout_g; ++cog) {
            const int64_t co = g * cout_g + cog;
            for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
                for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                    double sum = 0.0;
                    for (int64_t b = 0; b < n; ++b) {
                        const float* xs = x + (b * p.in_channels + ci) * h * w;
                        const float* gy = grad_y + (b * p.out_channels + co) * oh * ow;
                        for (int64_t iy = 0; iy < h; ++iy) {
                            const int64_t oy = iy * p.stride_h - p.pad_top + ky * p.dilation_h;
                            if (oy < 0 || oy >= oh) continue;
                            float row = 0.0f;
                            for (int64_t ix = 0; ix < w; ++ix) {
                                const int64_t ox = ix * p.stride_w - p.pad_left + kx * p.dilation_w;
                                if (ox >= 0 && ox < ow) row += xs[iy * w + ix] * gy[oy * ow + ox];
                            }
                            sum += row;
                        }
                    }
                    grad_weight[((ci * cout_g + cog) * p.kernel_h + ky) * p.kernel_w + kx] = static_cast<float>(sum);
                }
            }
        }
    });
    for (int64_t co = 0; co < p.out_channels; ++co)
        grad_bias[co] = static_cast<float>(channel_sum(grad_y, n, p.out_channels, oh * ow, co));
}

}  // namespace cnnengine
