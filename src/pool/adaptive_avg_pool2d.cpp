// Adaptive average pooling, NCHW float32, as torch.nn.functional.adaptive_avg_pool2d: output
// (i, j) averages rows [floor(i*H/oh), ceil((i+1)*H/oh)) and the matching columns. Global
// average pooling (1 x 1 output, ResNet's last op) sums each plane with 8 or 16 partial sums; other
// sizes sum the window's rows into a row buffer, then the columns; an output as large as the
// input (AlexNet's 6 x 6 pool on 6 x 6 maps) is a copy, exactly (x / 1 == x). Threaded over N*C
// planes.
// Reference twin: adaptive_avg_pool2d_ref in pool2d_ref.cpp.
#include <cstring>
#include <vector>

#include "pool/pool2d.h"
#include "common/parallel_ranges.h"
#include "pool/pool2d_rows.h"

namespace cnnengine {

namespace {

int64_t window_start(int64_t o, int64_t out, int64_t in) { return o * in / out; }
int64_t window_end(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

// Sum of x[0..n) with kLanes independent partial sums, so that it vectorises without -ffast-math.
template <int kLanes>
float contiguous_sum(const float* __restrict x, int64_t n) {
    float acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int j = 0; j < kLanes; ++j) acc[j] += x[i + j];
    float tail = 0.0f;
    for (; i < n; ++i) tail += x[i];
    for (int half = kLanes / 2; half > 0; half /= 2)
        for (int j = 0; j < half; ++j) acc[j] += acc[j + half];
    return acc[0] + tail;
}

void global_avg_planes(const float* x, float* y, const Pool2dShape& s, int64_t first, int64_t end) {
    const int64_t area = s.in_h * s.in_w;
    const float divisor = static_cast<float>(area);
    // 8 partial sums are quickest on small maps (ResNet's 7 x 7), 16 on large ones.
    for (int64_t plane = first; plane < end; ++plane) {
        const float* in = x + plane * area;
        y[plane] = (area < 128 ? contiguous_sum<8>(in, area) : contiguous_sum<16>(in, area)) / divisor;
    }
}

void adaptive_avg_planes(const float* x, float* y, const Pool2dShape& s, int64_t first, int64_t end) {
    std::vector<float> row_sum(static_cast<size_t>(s.in_w));
    std::vector<const float*> rows(static_cast<size_t>(s.in_h));
    for (int64_t plane = first; plane < end; ++plane) {
        const float* in = x + plane * s.in_h * s.in_w;
        float* out = y + plane * s.out_h * s.out_w;
        for (int64_t oh = 0; oh < s.out_h; ++oh, out += s.out_w) {
            const int64_t h0 = window_start(oh, s.out_h, s.in_h), h1 = window_end(oh, s.out_h, s.in_h);
            for (int64_t ih = h0; ih < h1; ++ih) rows[ih - h0] = in + ih * s.in_w;
            pool_detail::combine_rows<pool_detail::SumOp>(rows.data(), h1 - h0, s.in_w, row_sum.data());
            for (int64_t ow = 0; ow < s.out_w; ++ow) {
                const int64_t w0 = window_start(ow, s.out_w, s.in_w), w1 = window_end(ow, s.out_w, s.in_w);
                float sum = 0.0f;
                for (int64_t iw = w0; iw < w1; ++iw) sum += row_sum[iw];
                out[ow] = sum / static_cast<float>((h1 - h0) * (w1 - w0));
            }
        }
    }
}

}  // namespace

void adaptive_avg_pool2d(const float* x, float* y, const Pool2dShape& s) {
    if (s.out_h == s.in_h && s.out_w == s.in_w) {
        if (x != y) std::memcpy(y, x, sizeof(float) * static_cast<size_t>(s.planes * s.in_h * s.in_w));
        return;
    }
    const bool global = s.out_h == 1 && s.out_w == 1;
    const int64_t work_per_plane = s.in_h * s.in_w * (global ? 1 : 2);
    parallel_ranges(s.planes, work_per_plane, [&](int64_t first, int64_t end) {
        if (global)
            global_avg_planes(x, y, s, first, end);
        else
            adaptive_avg_planes(x, y, s, first, end);
    });
}

}  // namespace cnnengine
