#include "conv/direct_conv2d_wide.h"

#include <algorithm>
#include <vector>

#include "common/parallel_ranges.h"
#include "common/threading.h"
#include "conv/depthwise_wide.h"

namespace cnnengine {

bool fits_direct_wide(const Conv2dParams& p) {
    return p.dilation_h == 1 && p.dilation_w == 1 && p.stride_h == p.stride_w && (p.stride_h == 1 || p.stride_h == 2);
}

bool prefers_direct_wide(const Conv2dParams& p) {
    return p.groups == 1 && fits_direct_wide(p) && p.depth() <= kMaxDirectWideTaps && p.kernel_h * p.kernel_w > 1;
}

namespace {

// Wide outputs per band of rows in one-group convs: the band's sub-plane rows (taps x this many
// floats at most) stay in L2 while every output channel passes over them.
constexpr int64_t kBandOutputs = 2048;

// Geometry of the wide layout (depthwise_wide.h) for one convolution and input size. The taps of
// an output run over (input channel of its group, ky, kx); each channel has stride^2 sub-planes.
struct WideLayout : WideGeometry {
    int64_t count, channel_floats;
    std::vector<int64_t> tap_offsets;

    WideLayout(const Conv2dParams& p, int64_t oh, int64_t ow)
        : WideGeometry{p.stride_h, ow + (p.kernel_w - 1) / p.stride_h, oh + (p.kernel_h - 1) / p.stride_h, 0,
                       p.pad_top, p.pad_left},
          count((oh * ws + kDepthwiseWideStep - 1) / kDepthwiseWideStep * kDepthwiseWideStep),
          tap_offsets(static_cast<size_t>(p.depth())) {
        // The last block's reads stay inside, also when one-group convs run row bands (below)
        // whose ends are not multiples of the vector step.
        sub_size = count + kDepthwiseWideStep + (rows - oh) * ws + (p.kernel_w - 1) / stride;
        channel_floats = stride * stride * sub_size;
        const int64_t taps = p.kernel_h * p.kernel_w;
        depthwise_wide_tap_offsets(static_cast<int>(p.kernel_h), static_cast<int>(p.kernel_w), static_cast<int>(stride),
                                   sub_size, ws, tap_offsets.data());
        for (int64_t ci = 1; ci < p.in_per_group(); ++ci)
            for (int64_t t = 0; t < taps; ++t) tap_offsets[ci * taps + t] = ci * channel_floats + tap_offsets[t];
    }
};

// Per-thread scratch of at least `floats`, kept between calls. A caller that fills sub-planes
// for its workers (one group) also computes outputs: sub-planes and wide outputs are separate.
template <int kPurpose>
float* scratch(int64_t floats) {
    thread_local std::vector<float> buffer;
    if (static_cast<int64_t>(buffer.size()) < floats) buffer.resize(static_cast<size_t>(floats));
    return buffer.data();
}
float* sub_plane_scratch(int64_t floats) { return scratch<0>(floats); }
float* wide_scratch(int64_t floats) { return scratch<1>(floats); }

}  // namespace

void direct_conv2d_wide(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                        const float* bias, const float* residual, bool relu, const Activation* activation, float* y) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w);
    const int64_t cin = p.in_per_group(), cout = p.out_per_group(), taps = p.depth();
    const WideLayout layout(p, oh, ow);
    const DepthwiseWideKernels kernels = active_depthwise_wide_kernels();
    // The input channels of `group` in image b from input row `skipped` on, each into its stride^2
    // sub-planes laid out by wide_layout.
    const auto fill_group = [&](const WideLayout& wide_layout, int64_t b, int64_t group, int64_t skipped, float* sub) {
        for (int64_t ci = 0; ci < cin; ++ci)
            kernels.fill(wide_layout, x + ((b * p.in_channels) + group * cin + ci) * h * w + skipped * w, h - skipped,
                         w, sub + ci * wide_layout.channel_floats);
    };
    // Output rows [row_begin, row_end) of channels [co, co + channels) of image b from sub-planes
    // laid out by wide_layout that start at row_begin; channels is 1, or kWideChannelBlock for dense convs.
    const auto filter = [&](const WideLayout& wide_layout, int64_t b, int64_t co, int64_t channels, const float* sub,
                            int64_t row_begin, int64_t row_end) {
        const int64_t count = ((row_end - row_begin) * wide_layout.ws + kDepthwiseWideStep - 1) / kDepthwiseWideStep *
                              kDepthwiseWideStep;
        DepthwiseWidePlane plane;
        plane.sub = sub;
        plane.kernel = weight + co * taps;
        plane.tap_offsets = wide_layout.tap_offsets.data();
        plane.taps = static_cast<int>(taps);
        plane.bias = bias ? bias[co] : 0.0f;
        plane.count = count;
        float* wide = wide_scratch(count * channels);
        if (channels == 1) {
            kernels.filter(plane, wide);
        } else {
            float block_bias[kWideChannelBlock] = {};
            if (bias) std::copy_n(bias + co, kWideChannelBlock, block_bias);
            kernels.filter_x4(plane, block_bias, wide);
        }
        for (int64_t j = 0; j < channels; ++j) {
            const int64_t out_offset = (b * p.out_channels + co + j) * oh * ow + row_begin * ow;
            kernels.compact(wide + j * count, wide_layout.ws, residual ? residual + out_offset : nullptr, relu,
                            activation, y + out_offset, row_end - row_begin, ow);
        }
    };
    const int64_t output_work = oh * ow * taps;
    const int64_t band = std::max<int64_t>(1, kBandOutputs / layout.ws);
    const int64_t bands = (oh + band - 1) / band;
    if (p.groups == 1 && (n == 1 || threads_for(static_cast<double>(cout) * output_work, bands) > 1)) {
        // One group, enough work in an image to share it: threads take bands of output rows. A
        // band is a convolution of its own (its first input row, or the padding above it, on
        // top): its thread fills the band's sub-plane rows (the row it shares with the next band
        // is filled by both) and runs every output channel over them while they are in cache.
        for (int64_t b = 0; b < n; ++b) {
            parallel_ranges(bands, band * ow * taps * cout, [&](int64_t first, int64_t end) {
                for (int64_t r = first; r < end; ++r) {
                    const int64_t row_begin = r * band, row_end = std::min(oh, row_begin + band);
                    const int64_t top = row_begin * p.stride_h - p.pad_top;  // input row of the band's first tap row
                    const int64_t skipped = std::min(h, std::max<int64_t>(0, top));
                    Conv2dParams band_params = p;
                    band_params.pad_top = std::max<int64_t>(0, -top);
                    const WideLayout band_layout(band_params, row_end - row_begin, ow);
                    float* sub = sub_plane_scratch(cin * band_layout.channel_floats);
                    fill_group(band_layout, b, 0, skipped, sub);
                    for (int64_t co = 0; co < cout;) {
                        const int64_t channels = cout - co >= kWideChannelBlock ? kWideChannelBlock : 1;
                        filter(band_layout, b, co, channels, sub, row_begin, row_end);
                        co += channels;
                    }
                }
            });
        }
        return;
    }
    // Many groups (depthwise), or small images in a batch (LeNet's first conv: too little work in
    // one image to split): ranges of (image, group), each filled and filtered by one thread.
    // MobileNet's 7 x 7 maps have ~1k MACs a plane: one item per plane would cost more in
    // scheduling than in arithmetic.
    parallel_ranges(n * p.groups, cout * output_work, [&](int64_t first, int64_t end) {
        float* sub = sub_plane_scratch(cin * layout.channel_floats);
        for (int64_t unit = first; unit < end; ++unit) {
            const int64_t b = unit / p.groups, group = unit % p.groups;
            fill_group(layout, b, group, 0, sub);
            for (int64_t co = group * cout; co < (group + 1) * cout; ++co) filter(layout, b, co, 1, sub, 0, oh);
        }
    });
}

}  // namespace cnnengine
