// Portable depthwise flat-plane loops (depthwise_flat.h): the scalar path of the dispatch table.
#include <algorithm>

#include "common/cpu_features.h"
#include "conv/depthwise_flat.h"
#include "elementwise/clamp_activation.h"

namespace cnnengine {

void depthwise_flat_scalar(const DepthwiseFlatPlane& plane) {
    constexpr int64_t kBlock = 8;  // a block of outputs the compiler may vectorise
    for (int64_t o = 0; o < plane.count; o += kBlock) {
        float acc[kBlock];
        std::fill_n(acc, kBlock, plane.bias);
        for (int t = 0; t < plane.taps; ++t) {
            const float wv = plane.kernel[t];
            const float* src = plane.sub + plane.offsets[t] + o;
            for (int64_t i = 0; i < kBlock; ++i) acc[i] += wv * src[i];
        }
        const int64_t lanes = std::min(kBlock, plane.count - o);
        for (int64_t i = 0; i < lanes; ++i) {
            float v = acc[i] + (plane.residual ? plane.residual[o + i] : 0.0f);
            if (plane.relu && v < 0.0f) v = 0.0f;  // NaN passes, as in PyTorch
            plane.out[o + i] = apply_clamp_activation(plane.activation, v);
        }
    }
}

void masked_rows_scalar(const float* src, int64_t src_stride, int64_t rows, int64_t width, const uint32_t* keep,
                        float* dst) {
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < width; ++j) dst[i * width + j] = keep[j] ? src[i * src_stride + j] : 0.0f;
    const int64_t spare = (width + 7) / 8 * 8 - width;
    std::fill_n(dst + rows * width, spare, 0.0f);
}

void deinterleave_row_scalar(const float* in, int64_t half, float* even, float* odd) {
    for (int64_t j = 0; j < half; ++j) {
        even[j] = in[2 * j];
        odd[j] = in[2 * j + 1];
    }
}

DeinterleaveRow active_deinterleave_row() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return deinterleave_row_avx2_fma;
#endif
    return deinterleave_row_scalar;
}

DepthwiseFlatKernels active_depthwise_flat_kernels() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return {depthwise_flat_avx2_fma, deinterleave_row_avx2_fma, masked_rows_avx2_fma};
#endif
    return {depthwise_flat_scalar, deinterleave_row_scalar, masked_rows_scalar};
}

}  // namespace cnnengine
