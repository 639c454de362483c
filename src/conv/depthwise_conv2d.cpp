#include "conv/depthwise_conv2d.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "common/parallel_ranges.h"
#include "common/threading.h"
#include "conv/depthwise_wide.h"

namespace cnnengine {

bool is_depthwise(const Conv2dParams& p) { return p.groups > 1 && p.groups == p.in_channels; }

namespace {

// First output column whose tap lands at input column >= 0, and one past the last whose tap
// lands at <= w - 1, for a tap offset `shift` (= kx*dw - pad_left) and stride sw.
inline void valid_columns(int64_t shift, int64_t sw, int64_t w, int64_t ow, int64_t& begin, int64_t& end) {
    begin = shift >= 0 ? 0 : (-shift + sw - 1) / sw;
    end = w - 1 - shift < 0 ? 0 : std::min(ow, (w - 1 - shift) / sw + 1);
}

void filter_plane(const Conv2dParams& p, const float* in, int64_t h, int64_t w, const float* kernel, float bias,
                  const float* residual, bool relu, float* out, int64_t oh, int64_t ow) {
    const int64_t sw = p.stride_w;
    for (int64_t oy = 0; oy < oh; ++oy) {
        float* out_row = out + oy * ow;
        for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] = bias;
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
            const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
            if (iy < 0 || iy >= h) continue;
            const float* in_row = in + iy * w;
            for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                const float wv = kernel[ky * p.kernel_w + kx];
                const int64_t shift = kx * p.dilation_w - p.pad_left;
                int64_t begin, end;
                valid_columns(shift, sw, w, ow, begin, end);
                if (sw == 1) {
                    for (int64_t ox = begin; ox < end; ++ox) out_row[ox] += wv * in_row[ox + shift];
                } else {
                    for (int64_t ox = begin; ox < end; ++ox) out_row[ox] += wv * in_row[ox * sw + shift];
                }
            }
        }
        if (residual) {
            const float* res_row = residual + oy * ow;
            for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] += res_row[ox];
        }
        if (relu)
            for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] = std::max(out_row[ox], 0.0f);
    }
}

// Geometry of the wide layout (depthwise_wide.h) for one convolution and input size.
struct WideLayout {
    int64_t stride, ws, rows, sub_size, count;
    std::vector<int64_t> tap_offsets;

    WideLayout(const Conv2dParams& p, int64_t oh, int64_t ow)
        : stride(p.stride_h), ws(ow + (p.kernel_w - 1) / stride), rows(oh + (p.kernel_h - 1) / stride),
          count((oh * ws + kDepthwiseWideStep - 1) / kDepthwiseWideStep * kDepthwiseWideStep),
          tap_offsets(static_cast<size_t>(p.kernel_h * p.kernel_w)) {
        sub_size = count + (rows - oh) * ws + (p.kernel_w - 1) / stride;  // the last block's reads stay inside
        depthwise_wide_tap_offsets(static_cast<int>(p.kernel_h), static_cast<int>(p.kernel_w), static_cast<int>(stride),
                                   sub_size, ws, tap_offsets.data());
    }
};

// Per-thread scratch of at least `floats`, kept between calls: the sub-planes, then the wide output.
float* plane_scratch(int64_t floats) {
    thread_local std::vector<float> scratch;
    if (static_cast<int64_t>(scratch.size()) < floats) scratch.resize(static_cast<size_t>(floats));
    return scratch.data();
}

// Stride 1 or 2 (the same along both axes), no dilation: the wide layout applies.
bool fits_wide_layout(const Conv2dParams& p) {
    return p.dilation_h == 1 && p.dilation_w == 1 && p.stride_h == p.stride_w && (p.stride_h == 1 || p.stride_h == 2);
}

// Scatters the input plane into the zero-padded stride x stride sub-planes of `sub`.
void fill_sub_planes(const Conv2dParams& p, const WideLayout& L, const DepthwiseWideKernels& kernels, const float* in,
                     int64_t h, int64_t w, float* sub) {
    const int64_t s = L.stride;
    std::fill_n(sub, s * s * L.sub_size, 0.0f);
    for (int64_t iy = 0; iy < h; ++iy) {
        const int64_t py = iy + p.pad_top, row = py / s;
        if (row >= L.rows) break;
        const float* in_row = in + iy * w;
        float* parity_row = sub + (py % s) * s * L.sub_size + row * L.ws;
        if (s == 1) {
            kernels.copy_row(in_row, std::max<int64_t>(0, std::min(w, L.ws - p.pad_left)), parity_row + p.pad_left);
            continue;
        }
        // Stride 2: padded column px goes to column px / 2 of sub-plane px % 2. After an odd first
        // column, the row is a run of (even, odd) pairs: a two-way deinterleave that vectorises.
        const int64_t end = std::min(w, 2 * L.ws - p.pad_left);
        float* even = parity_row;
        float* odd = parity_row + L.sub_size;
        int64_t ix = 0;
        if (p.pad_left % 2 == 1 && end > 0) odd[p.pad_left / 2] = in_row[ix++];
        even += (ix + p.pad_left) / 2;
        odd += (ix + p.pad_left) / 2;
        const float* pairs = in_row + ix;
        const int64_t pair_count = (end - ix) / 2;
        for (int64_t j = 0; j < pair_count; ++j) {
            even[j] = pairs[2 * j];
            odd[j] = pairs[2 * j + 1];
        }
        if ((end - ix) % 2 == 1) even[pair_count] = pairs[2 * pair_count];
    }
}

// out = the wide rows cut to out_w, plus residual, then ReLU.
void compact_wide(const DepthwiseWideKernels& kernels, const float* wide, int64_t ws, const float* residual, bool relu,
                  float* out, int64_t oh, int64_t ow) {
    for (int64_t oy = 0; oy < oh; ++oy) {
        const float* src = wide + oy * ws;
        float* out_row = out + oy * ow;
        if (residual) {
            const float* res_row = residual + oy * ow;
            for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] = src[ox] + res_row[ox];
        } else {
            kernels.copy_row(src, ow, out_row);
        }
        if (relu)
            for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] = std::max(out_row[ox], 0.0f);
    }
}

}  // namespace

void depthwise_conv2d(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                      const float* bias, const float* residual, bool relu, float* y) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w);
    const int64_t multiplier = p.out_channels / p.in_channels;
    const int64_t planes = n * p.out_channels;
    const int64_t taps = p.kernel_h * p.kernel_w;
    std::optional<WideLayout> layout;
    if (fits_wide_layout(p)) layout.emplace(p, oh, ow);
    const DepthwiseWideKernels kernels = active_depthwise_wide_kernels();
    const auto filter = [&](int64_t i) {
        const int64_t b = i / p.out_channels, co = i % p.out_channels;
        const int64_t ci = co / multiplier;
        const float* in = x + (b * p.in_channels + ci) * h * w;
        const int64_t out_offset = i * oh * ow;
        const float plane_bias = bias ? bias[co] : 0.0f;
        const float* plane_residual = residual ? residual + out_offset : nullptr;
        if (!layout) {
            filter_plane(p, in, h, w, weight + co * taps, plane_bias, plane_residual, relu, y + out_offset, oh, ow);
            return;
        }
        float* scratch = plane_scratch(layout->stride * layout->stride * layout->sub_size + layout->count);
        const int64_t sub_floats = layout->stride * layout->stride * layout->sub_size;
        fill_sub_planes(p, *layout, kernels, in, h, w, scratch);
        DepthwiseWidePlane plane;
        plane.sub = scratch;
        plane.kernel = weight + co * taps;
        plane.tap_offsets = layout->tap_offsets.data();
        plane.taps = static_cast<int>(taps);
        plane.bias = plane_bias;
        plane.count = layout->count;
        float* wide = scratch + sub_floats;
        kernels.filter(plane, wide);
        compact_wide(kernels, wide, layout->ws, plane_residual, relu, y + out_offset, oh, ow);
    };
    // Ranges of planes (MobileNet's 7 x 7 maps have ~1k MACs a plane: one per item would cost
    // more in scheduling than in arithmetic).
    parallel_ranges(planes, oh * ow * taps, [&](int64_t first, int64_t end) {
        for (int64_t i = first; i < end; ++i) filter(i);
    });
}

}  // namespace cnnengine
