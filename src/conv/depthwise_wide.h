// Inner loop of the direct convolutions (direct_conv2d_wide.cpp: depthwise, and one-group convs
// with few taps) on planes laid out so that every tap is a contiguous run, for stride 1 or 2
// and no dilation:
//   the zero-padded input plane is split into stride x stride sub-planes by (row, column) parity,
//   each of row width `ws`; output (oy, ox) is computed at "wide" position p = oy * ws + ox, and
//   tap (ky, kx) of every output reads sub-plane (ky % s, kx % s) at p + (ky / s) * ws + kx / s.
// So the whole plane is one flat loop over p (columns ox >= out_w are computed and dropped),
// which vectorises the same on a 7 x 7 map as on 112 x 112. A conv with several input channels
// per group sums the taps of each channel's sub-planes (tap_offsets span them).
#pragma once

#include <cstdint>

#include "elementwise/activation.h"

namespace cnnengine {

// `count` must be a multiple of this many outputs (one vector).
constexpr int64_t kDepthwiseWideStep = 8;

struct DepthwiseWidePlane {
    const float* sub = nullptr;  // stride * stride sub-planes, `sub_size` floats apart
    const float* kernel = nullptr;       // the plane's taps
    const int64_t* tap_offsets = nullptr;  // source of each tap relative to sub + p
    int taps = 0;
    float bias = 0.0f;
    int64_t count = 0;  // wide outputs, a multiple of kDepthwiseWideStep
};

// Four output channels of a dense conv (one group) at once over the same sub-planes: each tap's
// input vectors are loaded once for the four (a 3-channel stem's 27 taps: 3 loads per 4 FMAs
// instead of 9 per 8). Channel j's taps are at plane.kernel + j * plane.taps, its bias bias[j],
// its wide outputs at wide + j * plane.count; plane.bias is unused.
constexpr int64_t kWideChannelBlock = 4;
void dense_wide_x4_scalar(const DepthwiseWidePlane& plane, const float* bias, float* wide);
void dense_wide_x4_avx2_fma(const DepthwiseWidePlane& plane, const float* bias, float* wide);

// tap_offsets for taps (ky, kx) in row-major order: ((ky % s) * s + kx % s) * sub_size + (ky / s) * ws + kx / s.
void depthwise_wide_tap_offsets(int kernel_h, int kernel_w, int stride, int64_t sub_size, int64_t ws,
                                int64_t* tap_offsets);

// wide[p] = bias + sum over taps; reads sub-planes up to p + the largest tap offset.
void depthwise_wide_scalar(const DepthwiseWidePlane& plane, float* wide);
void depthwise_wide_avx2_fma(const DepthwiseWidePlane& plane, float* wide);

// Where an input plane goes in the wide layout: `stride`^2 sub-planes of `rows` x `ws` (plus
// slack), `sub_size` floats apart, after `pad_top` / `pad_left` zeros.
struct WideGeometry {
    int64_t stride, ws, rows, sub_size, pad_top, pad_left;
};

// The row movers of depthwise_wide_rows.h compiled for one ISA: fill scatters an h x w plane
// into its zeroed sub-planes; compact cuts `rows` wide rows to out_w, adds residual, applies ReLU and the activation.
// Short rows (7 floats on MobileNet's last maps) are copied inline: a memmove call would cost
// more than the copy.
void fill_sub_planes_scalar(const WideGeometry& g, const float* in, int64_t h, int64_t w, float* sub);
void fill_sub_planes_avx2_fma(const WideGeometry& g, const float* in, int64_t h, int64_t w, float* sub);
void compact_wide_scalar(const float* wide, int64_t ws, const float* residual, bool relu, const Activation* activation,
                         float* out, int64_t rows, int64_t ow);
void compact_wide_avx2_fma(const float* wide, int64_t ws, const float* residual, bool relu, const Activation* activation,
                           float* out, int64_t rows, int64_t ow);

// The variants for the active ISA (common/cpu_features.h).
struct DepthwiseWideKernels {
    void (*filter)(const DepthwiseWidePlane&, float*);
    void (*filter_x4)(const DepthwiseWidePlane&, const float*, float*);
    void (*fill)(const WideGeometry&, const float*, int64_t, int64_t, float*);
    void (*compact)(const float*, int64_t, const float*, bool, const Activation*, float*, int64_t, int64_t);
};
DepthwiseWideKernels active_depthwise_wide_kernels();

}  // namespace cnnengine
