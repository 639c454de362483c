// Reference twins of pool2d_backward.h: plain single-threaded loops in double. The average
// twins gather (each input pixel sums the windows that cover it) where the kernels scatter.
#include <algorithm>
#include <cmath>
#include <vector>

#include "pool/pool2d_backward.h"

namespace cnnengine {

namespace {

// The in-plane index of output (oh, ow)'s winner: the first in-bounds maximum, or the last NaN.
int64_t window_winner(const float* in, const Pool2dShape& s, const Pool2dParams& p, int64_t oh, int64_t ow) {
    int64_t winner = -1;
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
        const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
        for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
            const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
            if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
            const int64_t at = ih * s.in_w + iw;
            if (winner < 0 || in[at] > in[winner] || std::isnan(in[at])) winner = at;
        }
    }
    return winner;
}

}  // namespace

void max_pool2d_with_indices_ref(const float* x, float* y, int32_t* indices, const Pool2dShape& s,
                                 const Pool2dParams& p) {
    for (int64_t plane = 0; plane < s.planes; ++plane) {
        const float* in = x + plane * s.in_h * s.in_w;
        for (int64_t oh = 0; oh < s.out_h; ++oh) {
            for (int64_t ow = 0; ow < s.out_w; ++ow) {
                const int64_t o = (plane * s.out_h + oh) * s.out_w + ow, winner = window_winner(in, s, p, oh, ow);
                y[o] = in[winner];
                indices[o] = static_cast<int32_t>(winner);
            }
        }
    }
}

void max_pool2d_backward_ref(const float* x, const float* dy, float* dx, const Pool2dShape& s,
                             const Pool2dParams& p) {
    std::vector<double> sum(static_cast<size_t>(s.in_h * s.in_w));
    for (int64_t plane = 0; plane < s.planes; ++plane) {
        const float* in = x + plane * s.in_h * s.in_w;
        std::fill(sum.begin(), sum.end(), 0.0);
        for (int64_t oh = 0; oh < s.out_h; ++oh)
            for (int64_t ow = 0; ow < s.out_w; ++ow)
                sum[window_winner(in, s, p, oh, ow)] += dy[(plane * s.out_h + oh) * s.out_w + ow];
        for (int64_t i = 0; i < s.in_h * s.in_w; ++i) dx[plane * s.in_h * s.in_w + i] = static_cast<float>(sum[i]);
    }
}

void avg_pool2d_backward_ref(const float* dy, float* dx, const Pool2dShape& s, const Pool2dParams& p) {
    for (int64_t plane = 0; plane < s.planes; ++plane) {
        for (int64_t ih = 0; ih < s.in_h; ++ih) {
            for (int64_t iw = 0; iw < s.in_w; ++iw) {
                double sum = 0.0;
                for (int64_t oh = 0; oh < s.out_h; ++oh) {
                    const int64_t top = oh * p.stride_h - p.pad_top;
                    if (ih < top || ih >= top + p.kernel_h) continue;
                    for (int64_t ow = 0; ow < s.out_w; ++ow) {
                        const int64_t left = ow * p.stride_w - p.pad_left;
                        if (iw < left || iw >= left + p.kernel_w) continue;
                        // Divisor: the window inside input + end padding, or inside the input alone.
                        const int64_t bottom = std::min(top + p.kernel_h, s.in_h + p.pad_bottom);
                        const int64_t right = std::min(left + p.kernel_w, s.in_w + p.pad_right);
                        const int64_t count = p.count_include_pad
                                                  ? (bottom - top) * (right - left)
                                                  : (std::min(bottom, s.in_h) - std::max<int64_t>(top, 0)) *
                                                        (std::min(right, s.in_w) - std::max<int64_t>(left, 0));
                        sum += dy[(plane * s.out_h + oh) * s.out_w + ow] / static_cast<double>(count);
                    }
                }
                dx[(plane * s.in_h + ih) * s.in_w + iw] = static_cast<float>(sum);
            }
        }
    }
}

void adaptive_avg_pool2d_backward_ref(const float* dy, float* dx, const Pool2dShape& s) {
    for (int64_t plane = 0; plane < s.planes; ++plane) {
        for (int64_t ih = 0; ih < s.in_h; ++ih) {
            for (int64_t iw = 0; iw < s.in_w; ++iw) {
                double sum = 0.0;
                for (int64_t oh = 0; oh < s.out_h; ++oh) {
                    const int64_t h0 = oh * s.in_h / s.out_h, h1 = ((oh + 1) * s.in_h + s.out_h - 1) / s.out_h;
                    if (ih < h0 || ih >= h1) continue;
                    for (int64_t ow = 0; ow < s.out_w; ++ow) {
                        const int64_t w0 = ow * s.in_w / s.out_w, w1 = ((ow + 1) * s.in_w + s.out_w - 1) / s.out_w;
                        if (iw < w0 || iw >= w1) continue;
                        sum += dy[(plane * s.out_h + oh) * s.out_w + ow] / static_cast<double>((h1 - h0) * (w1 - w0));
                    }
                }
                dx[(plane * s.in_h + ih) * s.in_w + iw] = static_cast<float>(sum);
            }
        }
    }
}

}  // namespace cnnengine
