#include "conv/depthwise_flat.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

constexpr int64_t kLanes = 8;  // outputs per vector; masks and frames are sized in whole vectors

inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Where each tap reads, the source planes it reads from, and their keep-masks.
struct FlatLayout {
    struct Source {
        int64_t r, c;  // sub-plane: input rows s*i + r, columns s*j + c
        const uint32_t* keep;  // out_w columns (rounded up to kLanes) kept for its column shift
    };
    int64_t stride, out_h, out_w, count, before, plane_floats;
    std::vector<Source> sources;
    std::vector<int64_t> offsets;  // per tap, kernel row-major
    std::vector<std::vector<uint32_t>> keep_storage;

    FlatLayout(const Conv2dParams& p, int64_t h, int64_t w)
        : stride(p.stride_h), out_h(h / stride), out_w(w / stride), count(out_h * out_w) {
        const int64_t s = stride;
        const int64_t a_min = floor_div(-p.pad_top, s), a_max = floor_div(p.kernel_h - 1 - p.pad_top, s);
        const int64_t b_min = floor_div(-p.pad_left, s), b_max = floor_div(p.kernel_w - 1 - p.pad_left, s);
        before = std::max<int64_t>(0, -a_min) * out_w + std::max<int64_t>(0, -b_min);
        // After the plane: the rows below, the column shift, and the last vector's spare lanes.
        const int64_t after = std::max<int64_t>(0, a_max) * out_w + std::max<int64_t>(0, b_max) + kLanes;
        plane_floats = before + count + after;
        const int64_t row_lanes = (out_w + kLanes - 1) / kLanes * kLanes;
        std::map<int64_t, const uint32_t*> keep_of_shift;
        for (int64_t b = b_min; b <= b_max; ++b) {
            std::vector<uint32_t> keep(static_cast<size_t>(row_lanes));
            for (int64_t j = 0; j < row_lanes; ++j) keep[j] = j < out_w && j - b >= 0 && j - b < out_w ? ~0u : 0u;
            keep_storage.push_back(std::move(keep));
            keep_of_shift[b] = keep_storage.back().data();
        }
        std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> source_index;  // (r, c, b) -> source
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
            for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                const int64_t a = floor_div(ky - p.pad_top, s), r = ky - p.pad_top - a * s;
                const int64_t b = floor_div(kx - p.pad_left, s), c = kx - p.pad_left - b * s;
                const auto [it, added] = source_index.emplace(std::make_tuple(r, c, b), sources.size());
                if (added) sources.push_back({r, c, keep_of_shift[b]});
                offsets.push_back(it->second * plane_floats + before + a * out_w + b);
            }
        }
    }
};

// Per-thread sub-plane scratch, kept between calls.
float* sub_plane_scratch(int64_t floats) {
    thread_local std::vector<float> buffer;
    if (static_cast<int64_t>(buffer.size()) < floats) buffer.resize(static_cast<size_t>(floats));
    return buffer.data();
}

}  // namespace

bool fits_depthwise_flat(const Conv2dParams& p, int64_t h, int64_t w) {
    const int64_t s = p.stride_h;
    const bool fits = p.groups > 1 && p.groups == p.in_channels && p.dilation_h == 1 && p.dilation_w == 1 &&
                      s == p.stride_w && (s == 1 || s == 2) && h % s == 0 && w % s == 0 && p.output_h(h) == h / s &&
                      p.output_w(w) == w / s;
    return fits && (p.kernel_h * p.kernel_w >= kMinFlatTaps || w / s < kMinWideRow);
}

void depthwise_conv2d_flat(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w,
                           const float* weight, const float* bias, const float* residual, bool relu,
                           const Activation* activation, float* y) {
    const FlatLayout layout(p, h, w);
    const DepthwiseFlatKernels kernels = active_depthwise_flat_kernels();
    const int64_t s = layout.stride, count = layout.count, out_w = layout.out_w;
    const int64_t multiplier = p.out_channels / p.in_channels;
    const int64_t taps = p.kernel_h * p.kernel_w;
    const int64_t source_floats = static_cast<int64_t>(layout.sources.size()) * layout.plane_floats;
    // Stride 2: the input plane split by column parity first (h rows of out_w floats each).
    const int64_t split_floats = s == 2 ? h * w : 0;
    // Items are input planes (each feeds `multiplier` output planes); the frames are zeroed once
    // per range, the interiors overwritten per plane.
    parallel_ranges(n * p.in_channels, multiplier * count * taps, [&](int64_t first, int64_t end) {
        float* sub = sub_plane_scratch(source_floats + split_floats);
        float* split = sub + source_floats;
        std::fill_n(sub, source_floats, 0.0f);
        for (int64_t item = first; item < end; ++item) {
            const float* in = x + item * h * w;
            if (s == 2) kernels.deinterleave(in, h * out_w, split, split + h * out_w);
            for (size_t q = 0; q < layout.sources.size(); ++q) {
                const FlatLayout::Source& source = layout.sources[q];
                const float* rows = s == 1 ? in : split + source.c * h * out_w + source.r * out_w;
                kernels.masked_rows(rows, s * out_w, layout.out_h, out_w, source.keep,
                                    sub + q * layout.plane_floats + layout.before);
            }
            const int64_t b = item / p.in_channels, ci = item % p.in_channels;
            for (int64_t co = ci * multiplier; co < (ci + 1) * multiplier; ++co) {
                const int64_t out_offset = (b * p.out_channels + co) * count;
                DepthwiseFlatPlane plane;
                plane.sub = sub;
                plane.offsets = layout.offsets.data();
                plane.kernel = weight + co * taps;
                plane.taps = static_cast<int>(taps);
                plane.bias = bias ? bias[co] : 0.0f;
                plane.residual = residual ? residual + out_offset : nullptr;
                plane.relu = relu;
                plane.activation = activation;
                plane.count = count;
                plane.out = y + out_offset;
                kernels.filter(plane);
            }
        }
    });
}

}  // namespace cnnengine
