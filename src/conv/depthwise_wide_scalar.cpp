// Portable depthwise wide-plane loop (depthwise_wide.h): the scalar path of the dispatch table;
// the block of outputs is a plain array the compiler may vectorise for the baseline ISA.
#include "conv/depthwise_wide.h"

#include <algorithm>

#include "common/cpu_features.h"
#include "conv/deinterleave_row.h"
#include "conv/depthwise_wide_rows.h"

namespace cnnengine {

void depthwise_wide_tap_offsets(int kernel_h, int kernel_w, int stride, int64_t sub_size, int64_t ws,
                                int64_t* tap_offsets) {
    for (int ky = 0; ky < kernel_h; ++ky)
        for (int kx = 0; kx < kernel_w; ++kx)
            tap_offsets[ky * kernel_w + kx] =
                ((ky % stride) * stride + kx % stride) * sub_size + (ky / stride) * ws + kx / stride;
}

void depthwise_wide_scalar(const DepthwiseWidePlane& plane, float* wide) {
    for (int64_t p = 0; p < plane.count; p += kDepthwiseWideStep) {
        float acc[kDepthwiseWideStep];
        for (int64_t i = 0; i < kDepthwiseWideStep; ++i) acc[i] = plane.bias;
        for (int t = 0; t < plane.taps; ++t) {
            const float wv = plane.kernel[t];
            const float* src = plane.sub + plane.tap_offsets[t] + p;
            for (int64_t i = 0; i < kDepthwiseWideStep; ++i) acc[i] += wv * src[i];
        }
        for (int64_t i = 0; i < kDepthwiseWideStep; ++i) wide[p + i] = acc[i];
    }
}

void dense_wide_x4_scalar(const DepthwiseWidePlane& plane, const float* bias, float* wide) {
    for (int64_t j = 0; j < kWideChannelBlock; ++j) {
        DepthwiseWidePlane channel = plane;
        channel.kernel = plane.kernel + j * plane.taps;
        channel.bias = bias[j];
        depthwise_wide_scalar(channel, wide + j * plane.count);
    }
}

namespace {

void copy_row(const float* src, int64_t n, float* dst) { std::copy_n(src, n, dst); }

}  // namespace

void fill_sub_planes_scalar(const WideGeometry& g, const float* in, int64_t h, int64_t w, float* sub) {
    wide_rows::fill_sub_planes(g, in, h, w, sub, copy_row, deinterleave_row_scalar);
}

void compact_wide_scalar(const float* wide, int64_t ws, const float* residual, bool relu, const Activation* activation,
                         float* out, int64_t rows, int64_t ow) {
    wide_rows::compact_wide(wide, ws, residual, relu, activation, out, rows, ow, copy_row);
}

DepthwiseWideKernels active_depthwise_wide_kernels() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return {depthwise_wide_avx2_fma, dense_wide_x4_avx2_fma, fill_sub_planes_avx2_fma,
                                                    compact_wide_avx2_fma};
#endif
    return {depthwise_wide_scalar, dense_wide_x4_scalar, fill_sub_planes_scalar, compact_wide_scalar};
}

}  // namespace cnnengine
