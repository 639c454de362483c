// Depthwise convolution on "flat" planes, for the shapes whose output plane is the input plane
// divided by the stride: stride 1 with "same" padding, or stride 2 on even sizes with
// out = in / 2 (every depthwise layer of MobileNet-V2/V3), no dilation.
//   The input plane is split into stride x stride parity sub-planes of exactly out_h x out_w
//   floats (sub-plane (r, c) holds input (s*i + r, s*j + c)), framed by zeros above and below.
//   Tap (ky, kx) of output o = oy * out_w + ox then reads its sub-plane at o + a * out_w + b, with
//   ky - pad_top = s*a + r and kx - pad_left = s*b + c: one contiguous run over the whole plane.
//   A tap with b != 0 runs off the row's edge for some columns (ox + b outside [0, out_w)) and
//   would wrap into the neighbouring row there: each (sub-plane, b) pair gets its own copy of the
//   sub-plane with those columns zeroed ("source planes"), so the filter is a plain sum of taps
//   over contiguous runs, no output lane is wasted (the wide layout of depthwise_wide.h computes
//   out_w + k - 1 positions per row: 80 for 49 outputs on 7 x 7) and nothing is compacted.
#pragma once

#include <cstdint>

#include "conv/conv2d_params.h"
#include "elementwise/activation.h"
#include "conv/deinterleave_row.h"

namespace cnnengine {

// True when `p` (depthwise) on an h x w input has the shape above and runs faster here than on
// the wide layout: with 5 x 5 kernels, or rows shorter than 16. A 3 x 3 kernel on longer rows
// (MobileNet's 112 x 112 to 28 x 28 maps) reads each source plane only 3 times (stride 1) or
// 1.5 times (stride 2), too few to pay for building them; the wide layout wastes < 12% there.
constexpr int64_t kMinFlatTaps = 25;
constexpr int64_t kMinWideRow = 16;
bool fits_depthwise_flat(const Conv2dParams& p, int64_t h, int64_t w);

// One output plane: tap t (kernel row-major) reads source at sub + offsets[t] + o.
struct DepthwiseFlatPlane {
    const float* sub = nullptr;         // the framed source planes of one input channel
    const int64_t* offsets = nullptr;  // per tap
    const float* kernel = nullptr;      // its kh x kw weights
    int taps = 0;
    float bias = 0.0f;
    const float* residual = nullptr;  // count floats, or null
    bool relu = false;
    const Activation* activation = nullptr;  // clamp-shaped, after the ReLU; or null
    int64_t count = 0;  // outputs: out_h * out_w
    float* out = nullptr;
};

// out = activation(relu?(bias + taps + residual)); reads sub up to the frame after the last vector.
void depthwise_flat_scalar(const DepthwiseFlatPlane& plane);
void depthwise_flat_avx2_fma(const DepthwiseFlatPlane& plane);

// Copies `rows` rows of `width` floats (source row stride src_stride) to consecutive rows of dst,
// keeping the columns of a row whose `keep` entry is nonzero (`keep` is width floats rounded up
// to 8, 0 / all-ones bits) and writing zeros elsewhere, also in the lanes past `width` after
// the last row.
void masked_rows_scalar(const float* src, int64_t src_stride, int64_t rows, int64_t width, const uint32_t* keep,
                        float* dst);
void masked_rows_avx2_fma(const float* src, int64_t src_stride, int64_t rows, int64_t width, const uint32_t* keep,
                          float* dst);

struct DepthwiseFlatKernels {
    void (*filter)(const DepthwiseFlatPlane&);
    DeinterleaveRow deinterleave;
    void (*masked_rows)(const float*, int64_t, int64_t, int64_t, const uint32_t*, float*);
};
DepthwiseFlatKernels active_depthwise_flat_kernels();  // for the active ISA (common/cpu_features.h)

// The whole convolution (n images), threads over planes. Layout NCHW, weight [Cout, 1, kh, kw],
// any channel multiplier. Reference: conv2d_ref.
void depthwise_conv2d_flat(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w,
                           const float* weight, const float* bias, const float* residual, bool relu,
                           const Activation* activation, float* y);

}  // namespace cnnengine
