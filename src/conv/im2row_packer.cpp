#include "conv/im2row_packer.h"

#include <algorithm>

namespace cnnengine {

void Im2rowBPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* out) const {
    for (int64_t jr = 0; jr < nc; jr += kGemmNR) {
        float* panel = out + jr * kc;
        const int64_t taps = std::min<int64_t>(kGemmNR, nc - jr);
        for (int64_t c = 0; c < kGemmNR; ++c) {
            if (c < taps) {
                pack_tap(n0 + jr + c, k0, kc, panel + c);
            } else {
                for (int64_t k = 0; k < kc; ++k) panel[k * kGemmNR + c] = 0.0f;
            }
        }
    }
}

void Im2rowBPacker::pack_tap(int64_t tap, int64_t k0, int64_t kc, float* column) const {
    const int64_t taps_per_channel = p_.kernel_h * p_.kernel_w;
    const int64_t ci = tap / taps_per_channel, ky = (tap % taps_per_channel) / p_.kernel_w, kx = tap % p_.kernel_w;
    const float* channel = image_ + ci * h_ * w_;
    const int64_t x_shift = kx * p_.dilation_w - p_.pad_left, sw = p_.stride_w;
    const InsideOutputs inside = inside_outputs(x_shift, sw, w_, out_w_);
    // Walk the pixels row segment by row segment (a segment never spans two images); the
    // position advances by counting, not dividing: with 10-pixel rows (LeNet's second conv) two
    // divisions per segment cost more than the copy.
    const int64_t out_h = pixels_ / out_w_;
    int64_t image = k0 / pixels_, oy = (k0 % pixels_) / out_w_, first = k0 % out_w_;
    for (int64_t j = k0, end = k0 + kc; j < end; first = 0) {
        const int64_t last = std::min(out_w_, first + (end - j));
        float* dst = column + (j - k0) * kGemmNR;
        const int64_t iy = oy * p_.stride_h - p_.pad_top + ky * p_.dilation_h;
        if (iy < 0 || iy >= h_) {
            for (int64_t ox = first; ox < last; ++ox) dst[(ox - first) * kGemmNR] = 0.0f;
        } else {
            const float* row = channel + image * image_stride_ + iy * w_;
            const int64_t inside_begin = std::clamp(inside.begin, first, last),
                          inside_end = std::clamp(inside.end, first, last);
            for (int64_t ox = first; ox < inside_begin; ++ox) dst[(ox - first) * kGemmNR] = 0.0f;
            for (int64_t ox = inside_begin; ox < inside_end; ++ox) dst[(ox - first) * kGemmNR] = row[ox * sw + x_shift];
            for (int64_t ox = inside_end; ox < last; ++ox) dst[(ox - first) * kGemmNR] = 0.0f;
        }
        j += last - first;
        if (++oy == out_h) oy = 0, ++image;
    }
}

}  // namespace cnnengine
