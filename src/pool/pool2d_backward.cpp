#include "pool/pool2d_backward.h"

#include <algorithm>
#include <atomic>

#include "common/threading.h"

namespace cnnengine {

namespace {

// Runs body(plane) over the N*C planes on the thread team.
template <class Body>
void for_each_plane(const Pool2dShape& s, double work_per_plane, Body&& body) {
    parallel_for(s.planes, threads_for(work_per_plane * static_cast<double>(s.planes), s.planes), body);
}

// The averaging window of output (oh, ow), clipped to the input, and its divisor (PyTorch's rule).
struct AvgWindow {
    int64_t h0, h1, w0, w1;
    float scale;
};

AvgWindow avg_window(const Pool2dShape& s, const Pool2dParams& p, int64_t oh, int64_t ow) {
    AvgWindow win;
    win.h0 = oh * p.stride_h - p.pad_top;
    win.w0 = ow * p.stride_w - p.pad_left;
    win.h1 = std::min(win.h0 + p.kernel_h, s.in_h + p.pad_bottom);
    win.w1 = std::min(win.w0 + p.kernel_w, s.in_w + p.pad_right);
    const int64_t padded_count = (win.h1 - win.h0) * (win.w1 - win.w0);
    win.h0 = std::max<int64_t>(win.h0, 0);
    win.w0 = std::max<int64_t>(win.w0, 0);
    win.h1 = std::min(win.h1, s.in_h);
    win.w1 = std::min(win.w1, s.in_w);
    const int64_t count = p.count_include_pad ? padded_count : (win.h1 - win.h0) * (win.w1 - win.w0);
    win.scale = 1.0f / static_cast<float>(count);
    return win;
}

}  // namespace

bool max_pool2d_backward(const float* dy, const int32_t* indices, const float* gate, float* dx, const Pool2dShape& s) {
    const int64_t outputs = s.out_h * s.out_w, plane_size = s.in_h * s.in_w;
    std::atomic<bool> inside{true};
    for_each_plane(s, static_cast<double>(plane_size + outputs), [&](int64_t plane) {
        float* din = dx + plane * plane_size;
        std::fill_n(din, plane_size, 0.0f);
        const float* g = dy + plane * outputs;
        const float* open = gate ? gate + plane * outputs : nullptr;
        const int32_t* at = indices + plane * outputs;
        bool plane_inside = true;
        for (int64_t o = 0; o < outputs; ++o) {
            // Checked here, where the index is read anyway: a separate pass cost as much as this one.
            const bool ok = at[o] >= 0 && at[o] < plane_size;
            plane_inside &= ok;
            if (ok && !(open && open[o] <= 0.0f)) din[at[o]] += g[o];  // as ReLU's backward: NaN passes
        }
        if (!plane_inside) inside.store(false, std::memory_order_relaxed);
    });
    return inside.load(std::memory_order_relaxed);
}

void avg_pool2d_backward(const float* dy, float* dx, const Pool2dShape& s, const Pool2dParams& p) {
    const double work = static_cast<double>(s.out_h * s.out_w * p.kernel_h * p.kernel_w);
    for_each_plane(s, work, [&](int64_t plane) {
        float* din = dx + plane * s.in_h * s.in_w;
        std::fill_n(din, s.in_h * s.in_w, 0.0f);
        const float* g = dy + plane * s.out_h * s.out_w;
        for (int64_t oh = 0; oh < s.out_h; ++oh) {
            for (int64_t ow = 0; ow < s.out_w; ++ow) {
                const AvgWindow win = avg_window(s, p, oh, ow);
                const float share = g[oh * s.out_w + ow] * win.scale;
                for (int64_t ih = win.h0; ih < win.h1; ++ih)
                    for (int64_t iw = win.w0; iw < win.w1; ++iw) din[ih * s.in_w + iw] += share;
            }
        }
    });
}

void adaptive_avg_pool2d_backward(const float* dy, float* dx, const Pool2dShape& s) {
    for_each_plane(s, static_cast<double>(s.in_h * s.in_w), [&](int64_t plane) {
        float* din = dx + plane * s.in_h * s.in_w;
        std::fill_n(din, s.in_h * s.in_w, 0.0f);
        const float* g = dy + plane * s.out_h * s.out_w;
        for (int64_t oh = 0; oh < s.out_h; ++oh) {
            const int64_t h0 = oh * s.in_h / s.out_h, h1 = ((oh + 1) * s.in_h + s.out_h - 1) / s.out_h;
            for (int64_t ow = 0; ow < s.out_w; ++ow) {
                const int64_t w0 = ow * s.in_w / s.out_w, w1 = ((ow + 1) * s.in_w + s.out_w - 1) / s.out_w;
                const float share = g[oh * s.out_w + ow] / static_cast<float>((h1 - h0) * (w1 - w0));
                for (int64_t ih = h0; ih < h1; ++ih)
                    for (int64_t iw = w0; iw < w1; ++iw) din[ih * s.in_w + iw] += share;
            }
        }
    });
}

}  // namespace cnnengine
