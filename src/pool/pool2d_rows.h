// Internal to src/pool: the separable window reduction behind max_pool2d and avg_pool2d.
// For each output row, a vertical pass combines the window's input rows into one padded row
// buffer (contiguous, vectorises), then a horizontal pass combines kernel_w taps per output
// column (stride 1 and 2 are compile-time so the strided loads vectorise too). Padding columns
// hold the operation's identity (-inf for max, 0 for sum). Max pooling runs both passes with AVX2
// where the CPU has it (max_pool_rows.h). Reference: pool2d_ref.cpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "common/threading.h"
#include "pool/max_pool_rows.h"
#include "pool/pool2d.h"

namespace cnnengine::pool_detail {

struct MaxOp {
    static float identity() { return -std::numeric_limits<float>::infinity(); }
    static float combine(float a, float b) { return a < b || b != b ? b : a; }  // NaN wins, as in PyTorch
};

struct SumOp {
    static float identity() { return 0.0f; }
    static float combine(float a, float b) { return a + b; }
};

// dst[i] = combine of rows[0..n)[i]; the identity when n == 0.
template <class Op>
void combine_rows(const float* const* rows, int64_t n, int64_t width, float* __restrict dst) {
    if (n == 0) {
        std::fill(dst, dst + width, Op::identity());
        return;
    }
    const float* __restrict a = rows[0];
    if (n == 1) {
        std::copy(a, a + width, dst);
        return;
    }
    const float* __restrict b = rows[1];
    if (n == 2) {
        for (int64_t i = 0; i < width; ++i) dst[i] = Op::combine(a[i], b[i]);
        return;
    }
    const float* __restrict c = rows[2];
    for (int64_t i = 0; i < width; ++i) dst[i] = Op::combine(Op::combine(a[i], b[i]), c[i]);
    for (int64_t r = 3; r < n; ++r) {
        const float* __restrict d = rows[r];
        for (int64_t i = 0; i < width; ++i) dst[i] = Op::combine(dst[i], d[i]);
    }
}

// out[ow] = combine over kw of row[ow * stride + kw * dilation], ow < out_w. kStride 0: runtime.
template <class Op, int kStride>
void combine_columns(const float* __restrict row, float* __restrict out, int64_t out_w, int64_t kernel_w,
                     int64_t dilation_w, int64_t stride_w) {
    const int64_t stride = kStride ? kStride : stride_w;
    for (int64_t ow = 0; ow < out_w; ++ow) out[ow] = row[ow * stride];
    for (int64_t kw = 1; kw < kernel_w; ++kw) {
        const float* __restrict tap = row + kw * dilation_w;
        for (int64_t ow = 0; ow < out_w; ++ow) out[ow] = Op::combine(out[ow], tap[ow * stride]);
    }
}

// Pools planes [first, end) of x into y. finish(oh, out_row) post-processes each output row
// (the average's divisor). Each window's rows are clipped to the input; its columns read the
// padded row buffer, and only a ceil_mode window may run past that buffer (handled apart).
template <class Op, class Finish>
void pool_planes(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p, int64_t first,
                 int64_t end, Finish&& finish) {
    const int64_t padded_w = p.pad_left + s.in_w + p.pad_right;
    const MaxPoolRowKernels fast = std::is_same_v<Op, MaxOp> ? active_max_pool_row_kernels() : MaxPoolRowKernels{};
    const bool fast_columns = fast.combine_columns && p.dilation_w == 1 && (p.stride_w == 1 || p.stride_w == 2);
    std::vector<float> buffer(static_cast<size_t>(padded_w + kMaxPoolRowSlack), Op::identity());
    std::vector<const float*> rows(static_cast<size_t>(p.kernel_h));
    float* padded = buffer.data();
    // Output columns whose window ends inside the padded row: all but, in ceil_mode, the last.
    const int64_t reach = (p.kernel_w - 1) * p.dilation_w;
    const int64_t full_w = padded_w > reach ? std::min(s.out_w, (padded_w - 1 - reach) / p.stride_w + 1) : 0;
    for (int64_t plane = first; plane < end; ++plane) {
        const float* in = x + plane * s.in_h * s.in_w;
        float* out = y + plane * s.out_h * s.out_w;
        for (int64_t oh = 0; oh < s.out_h; ++oh, out += s.out_w) {
            int64_t n = 0;
            for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
                const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
                if (ih >= 0 && ih < s.in_h) rows[n++] = in + ih * s.in_w;
            }
            if (fast.combine_rows && n > 0)
                fast.combine_rows(rows.data(), n, s.in_w, padded + p.pad_left);
            else
                combine_rows<Op>(rows.data(), n, s.in_w, padded + p.pad_left);
            if (fast_columns)
                fast.combine_columns(padded, out, full_w, p.kernel_w, p.stride_w);
            else if (p.stride_w == 1)
                combine_columns<Op, 1>(padded, out, full_w, p.kernel_w, p.dilation_w, 1);
            else if (p.stride_w == 2)
                combine_columns<Op, 2>(padded, out, full_w, p.kernel_w, p.dilation_w, 2);
            else
                combine_columns<Op, 0>(padded, out, full_w, p.kernel_w, p.dilation_w, p.stride_w);
            for (int64_t ow = full_w; ow < s.out_w; ++ow) {
                float v = padded[ow * p.stride_w];  // starts inside the input or left padding
                for (int64_t col = ow * p.stride_w + p.dilation_w; col < padded_w; col += p.dilation_w)
                    v = Op::combine(v, padded[col]);
                out[ow] = v;
            }
            finish(oh, out);
        }
    }
}

}  // namespace cnnengine::pool_detail
