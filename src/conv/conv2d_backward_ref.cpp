#include <algorithm>
#include <vector>

#include "conv/conv2d_backward.h"

namespace cnnengine {

// The loops of conv2d_ref, each product's contribution sent back to dx, dw and db.
void conv2d_backward_ref(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w,
                         const float* weight, const float* dy, const Conv2dGrads& grads) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w);
    const int64_t cin_g = p.in_per_group(), cout_g = p.out_per_group();
    std::vector<double> dx(static_cast<size_t>(n * p.in_channels * h * w), 0.0);
    std::vector<double> dw(static_cast<size_t>(p.out_channels * p.depth()), 0.0);
    std::vector<double> db(static_cast<size_t>(p.out_channels), 0.0);
    for (int64_t b = 0; b < n; ++b) {
        for (int64_t co = 0; co < p.out_channels; ++co) {
            const int64_t g = co / cout_g;
            for (int64_t oy = 0; oy < oh; ++oy) {
                for (int64_t ox = 0; ox < ow; ++ox) {
                    const double gv = dy[((b * p.out_channels + co) * oh + oy) * ow + ox];
                    db[co] += gv;
                    for (int64_t cig = 0; cig < cin_g; ++cig) {
                        const int64_t ci = g * cin_g + cig;
                        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
                            const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                            if (iy < 0 || iy >= h) continue;
                            for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                                const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                                if (ix < 0 || ix >= w) continue;
                                const int64_t xi = ((b * p.in_channels + ci) * h + iy) * w + ix;
                                const int64_t wi = ((co * cin_g + cig) * p.kernel_h + ky) * p.kernel_w + kx;
                                dx[xi] += gv * weight[wi];
                                dw[wi] += gv * x[xi];
                            }
                        }
                    }
                }
            }
        }
    }
    if (grads.dx) std::copy(dx.begin(), dx.end(), grads.dx);
    if (grads.dw) std::copy(dw.begin(), dw.end(), grads.dw);
    if (grads.db) std::copy(db.begin(), db.end(), grads.db);
}

}  // namespace cnnengine
