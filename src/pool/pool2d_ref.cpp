// Reference twins of the pooling kernels (pool2d.h): single-threaded plain loops over every
// output and every tap of its window, written from PyTorch's definitions and sharing no code
// with the optimized kernels except the output shape. Averages accumulate in double.
#include <algorithm>
#include <cmath>
#include <limits>

#include "pool/pool2d.h"

namespace cnnengine {

void max_pool2d_ref(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p) {
    for (int64_t plane = 0; plane < s.planes; ++plane) {
        const float* in = x + plane * s.in_h * s.in_w;
        for (int64_t oh = 0; oh < s.out_h; ++oh) {
            for (int64_t ow = 0; ow < s.out_w; ++ow) {
                float best = -std::numeric_limits<float>::infinity();
                for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
                    const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
                    if (ih < 0 || ih >= s.in_h) continue;
                    for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
                        const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
                        if (iw < 0 || iw >= s.in_w) continue;
                        const float v = in[ih * s.in_w + iw];
                        if (v > best || std::isnan(v)) best = v;  // NaN propagates, as in PyTorch
                    }
                }
                y[(plane * s.out_h + oh) * s.out_w + ow] = best;
            }
        }
    }
}

void avg_pool2d_ref(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p) {
    for (int64_t plane = 0; plane < s.planes; ++plane) {
        const float* in = x + plane * s.in_h * s.in_w;
        for (int64_t oh = 0; oh < s.out_h; ++oh) {
            for (int64_t ow = 0; ow < s.out_w; ++ow) {
                // PyTorch: clip the window to input + end padding, count it, then clip it to the input.
                int64_t h0 = oh * p.stride_h - p.pad_top, w0 = ow * p.stride_w - p.pad_left;
                int64_t h1 = std::min(h0 + p.kernel_h, s.in_h + p.pad_bottom);
                int64_t w1 = std::min(w0 + p.kernel_w, s.in_w + p.pad_right);
                const int64_t padded_count = (h1 - h0) * (w1 - w0);
                h0 = std::max<int64_t>(h0, 0);
                w0 = std::max<int64_t>(w0, 0);
                h1 = std::min(h1, s.in_h);
                w1 = std::min(w1, s.in_w);
                double sum = 0.0;
                for (int64_t ih = h0; ih < h1; ++ih)
                    for (int64_t iw = w0; iw < w1; ++iw) sum += in[ih * s.in_w + iw];
                const int64_t count = p.count_include_pad ? padded_count : (h1 - h0) * (w1 - w0);
                y[(plane * s.out_h + oh) * s.out_w + ow] = static_cast<float>(sum / static_cast<double>(count));
            }
        }
    }
}

void adaptive_avg_pool2d_ref(const float* x, float* y, const Pool2dShape& s) {
    for (int64_t plane = 0; plane < s.planes; ++plane) {
        const float* in = x + plane * s.in_h * s.in_w;
        for (int64_t oh = 0; oh < s.out_h; ++oh) {
            const int64_t h0 = oh * s.in_h / s.out_h;
            const int64_t h1 = ((oh + 1) * s.in_h + s.out_h - 1) / s.out_h;
            for (int64_t ow = 0; ow < s.out_w; ++ow) {
                const int64_t w0 = ow * s.in_w / s.out_w;
                const int64_t w1 = ((ow + 1) * s.in_w + s.out_w - 1) / s.out_w;
                double sum = 0.0;
                for (int64_t ih = h0; ih < h1; ++ih)
                    for (int64_t iw = w0; iw < w1; ++iw) sum += in[ih * s.in_w + iw];
                y[(plane * s.out_h + oh) * s.out_w + ow] =
                    static_cast<float>(sum / static_cast<double>((h1 - h0) * (w1 - w0)));
            }
        }
    }
}

}  // namespace cnnengine
