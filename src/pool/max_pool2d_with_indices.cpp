// Max pooling's training forward: each window's maximum and where it was (the in-plane index
// ih * in_w + iw), with PyTorch's winner rule (the first maximum in kh-then-kw order; a NaN
// beats everything, the last NaN winning). Each output row takes its window's in-bounds input
// rows, then visits the taps one at a time across a whole run of output columns, so the compare
// and the two selects vectorise (int32 indices are as wide as the floats). Only columns whose
// window meets padding or a ceil_mode overhang go one window at a time.
// Reference twin: max_pool2d_with_indices_ref (pool2d_backward_ref.cpp).
#include <algorithm>
#include <vector>

#include "common/parallel_ranges.h"
#include "pool/pool2d_backward.h"

namespace cnnengine {

namespace {

// The input rows (ih) of output row oh's window that lie inside the plane, in kh order.
int64_t window_rows(const Pool2dShape& s, const Pool2dParams& p, int64_t oh, int64_t* rows) {
    int64_t n = 0;
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
        const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
        if (ih >= 0 && ih < s.in_h) rows[n++] = ih;
    }
    return n;
}

// One window, columns clipped to the plane (padding never wins).
void edge_window(const float* in, const Pool2dShape& s, const Pool2dParams& p, const int64_t* rows, int64_t n_rows,
                 int64_t ow, float* y, int32_t* at) {
    float best = 0.0f;
    int64_t best_at = -1;
    for (int64_t r = 0; r < n_rows; ++r) {
        for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
            const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
            if (iw < 0 || iw >= s.in_w) continue;
            const int64_t i = rows[r] * s.in_w + iw;
            if (best_at < 0 || in[i] > best || in[i] != in[i]) best = in[i], best_at = i;
        }
    }
    *y = best;
    *at = static_cast<int32_t>(best_at);
}

// Columns [ow0, ow1), whose windows lie inside the plane: tap by tap over all of them.
// kStride 0: the stride is p.stride_w, read at run time.
template <int kStride>
void interior_columns(const float* in, const Pool2dShape& s, const Pool2dParams& p, const int64_t* rows,
                      int64_t n_rows, int32_t ow0, int32_t ow1, float* __restrict y, int32_t* __restrict at) {
    const int32_t stride = kStride ? kStride : static_cast<int32_t>(p.stride_w);
    const int32_t first = static_cast<int32_t>(rows[0] * s.in_w - p.pad_left);
    for (int32_t ow = ow0; ow < ow1; ++ow) {
        y[ow] = in[first + ow * stride];
        at[ow] = first + ow * stride;
    }
    for (int64_t r = 0; r < n_rows; ++r) {
        for (int64_t kw = r == 0 ? 1 : 0; kw < p.kernel_w; ++kw) {
            const int32_t offset = static_cast<int32_t>(rows[r] * s.in_w - p.pad_left + kw * p.dilation_w);
            const float* __restrict tap = in + offset;
            for (int32_t ow = ow0; ow < ow1; ++ow) {
                const float v = tap[ow * stride];
                const bool take = (v > y[ow]) | (v != v);
                y[ow] = take ? v : y[ow];
                at[ow] = take ? offset + ow * stride : at[ow];
            }
        }
    }
}

}  // namespace

void max_pool2d_with_indices(const float* x, float* y, int32_t* indices, const Pool2dShape& s,
                             const Pool2dParams& p) {
    // Interior columns: the first whose window starts at iw >= 0, up to the last that ends inside.
    const int64_t reach = (p.kernel_w - 1) * p.dilation_w;
    const int64_t ow0 = std::min(s.out_w, (p.pad_left + p.stride_w - 1) / p.stride_w);
    const int64_t last_fit = s.in_w - 1 + p.pad_left - reach;
    const int64_t ow1 = last_fit < 0 ? ow0 : std::max(ow0, std::min(s.out_w, last_fit / p.stride_w + 1));
    // Ranges of planes rather than one plane per item: LeNet's planes are 14 x 14, so a per-plane
    // fork and row list cost as much as the pooling.
    parallel_ranges(s.planes, s.out_h * s.out_w * p.kernel_h * p.kernel_w, [&](int64_t first, int64_t end) {
        std::vector<int64_t> rows(static_cast<size_t>(p.kernel_h));
        for (int64_t plane = first; plane < end; ++plane) {
            const float* in = x + plane * s.in_h * s.in_w;
            for (int64_t oh = 0; oh < s.out_h; ++oh) {
                float* y_row = y + (plane * s.out_h + oh) * s.out_w;
                int32_t* at_row = indices + (plane * s.out_h + oh) * s.out_w;
                const int64_t n_rows = window_rows(s, p, oh, rows.data());
                for (int64_t ow = 0; ow < ow0; ++ow)
                    edge_window(in, s, p, rows.data(), n_rows, ow, y_row + ow, at_row + ow);
                if (p.stride_w == 2)
                    interior_columns<2>(in, s, p, rows.data(), n_rows, ow0, ow1, y_row, at_row);
                else if (p.stride_w == 1)
                    interior_columns<1>(in, s, p, rows.data(), n_rows, ow0, ow1, y_row, at_row);
                else
                    interior_columns<0>(in, s, p, rows.data(), n_rows, ow0, ow1, y_row, at_row);
                for (int64_t ow = ow1; ow < s.out_w; ++ow)
                    edge_window(in, s, p, rows.data(), n_rows, ow, y_row + ow, at_row + ow);
            }
        }
    });
}

}  // namespace cnnengine
