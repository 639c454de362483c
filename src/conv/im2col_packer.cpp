#include "conv/im2col_packer.h"

#include <algorithm>
#include <cstring>

namespace cnnengine {

void Im2colBPacker::pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* out) const {
    for (int64_t jr = 0; jr < nc; jr += kGemmNR) {
        const int cols = static_cast<int>(std::min<int64_t>(kGemmNR, nc - jr));
        pack_panel(k0, kc, n0 + jr, cols, out + jr * kc);
    }
}

namespace {

// Columns of a panel that lie in one output row: for t < count, column first + t reads input
// column ix + t*stride_w of input row iy (before adding the tap's offsets).
struct RowSegment {
    int first, count;
    int64_t iy, ix;
};

// Writes `count` values of input row `row` (stride sw, starting at column ix) to dst, with
// zeros where the column falls outside [0, w). Runs once per tap and segment: no divisions and
// no library calls on the common stride-1 path.
inline void copy_row_clipped(const float* row, int64_t ix, int64_t sw, int64_t w, int count, float* dst) {
    if (ix >= 0 && ix + (count - 1) * sw < w) {  // interior: the common case
        const float* src = row + ix;
        if (sw == 1)
            for (int t = 0; t < count; ++t) dst[t] = src[t];
        else
            for (int t = 0; t < count; ++t) dst[t] = src[t * sw];
        return;
    }
    for (int t = 0; t < count; ++t) {
        const int64_t x = ix + t * sw;
        dst[t] = x >= 0 && x < w ? row[x] : 0.0f;
    }
}

}  // namespace

void Im2colBPacker::pack_panel(int64_t k0, int64_t kc, int64_t col0, int cols, float* panel) const {
    RowSegment segments[kGemmNR];
    int segment_count = 0;
    for (int c = 0; c < cols;) {
        const int64_t oy = (col0 + c) / out_w_, ox = (col0 + c) % out_w_;
        const int count = static_cast<int>(std::min<int64_t>(cols - c, out_w_ - ox));
        segments[segment_count++] = {c, count, oy * p_.stride_h - p_.pad_top, ox * p_.stride_w - p_.pad_left};
        c += count;
    }
    const int64_t plane = h_ * w_;
    const int64_t taps = p_.kernel_h * p_.kernel_w;
    const int64_t sw = p_.stride_w;
    const bool whole_row_run = segment_count == 1 && cols == kGemmNR;
    int64_t ci = k0 / taps, ky = (k0 % taps) / p_.kernel_w, kx = k0 % p_.kernel_w;
    // Next tap in GEMM-row order: kx fastest, then ky, then the input channel.
    auto advance_tap = [this](int64_t& c, int64_t& y, int64_t& x) {
        if (++x == p_.kernel_w) {
            x = 0;
            if (++y == p_.kernel_h) {
                y = 0;
                ++c;
            }
        }
    };
    for (int64_t k = 0; k < kc; ++k) {
        float* dst = panel + k * kGemmNR;
        const float* src_plane = image_ + ci * plane;
        const int64_t dy = ky * p_.dilation_h, dx = kx * p_.dilation_w;
        if (whole_row_run) {  // the common case, as a fixed-size copy the compiler inlines
            const int64_t iy = segments[0].iy + dy, ix = segments[0].ix + dx;
            if (iy >= 0 && iy < h_ && ix >= 0 && ix + (kGemmNR - 1) * sw < w_) {
                const float* src = src_plane + iy * w_ + ix;
                if (sw == 1)
                    std::memcpy(dst, src, sizeof(float) * kGemmNR);
                else
                    for (int c = 0; c < kGemmNR; ++c) dst[c] = src[c * sw];
                advance_tap(ci, ky, kx);
                continue;
            }
        }
        for (int s = 0; s < segment_count; ++s) {
            const RowSegment& seg = segments[s];
            const int64_t iy = seg.iy + dy;
            if (iy < 0 || iy >= h_)
                for (int t = 0; t < seg.count; ++t) dst[seg.first + t] = 0.0f;
            else
                copy_row_clipped(src_plane + iy * w_, seg.ix + dx, sw, w_, seg.count, dst + seg.first);
        }
        for (int c = cols; c < kGemmNR; ++c) dst[c] = 0.0f;
        advance_tap(ci, ky, kx);
    }
}

}  // namespace cnnengine
