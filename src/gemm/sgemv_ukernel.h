// The GEMV micro-kernel for batch-1 linear layers: y[0..nr) = x[0..kc) * B (+ bias, ReLU) for up
// to kGemvPanels consecutive NR-column panels of a PackedB (b[k*NR + c], see pack.h; panel p starts
// at b + p * panel_stride). One output row needs no 6-row register tile: this is a stream over the
// weights, bound by memory bandwidth, and reading several panels at once keeps several DRAM
// streams in flight (one stream reaches ~7 GB/s here, four ~18 GB/s).
#pragma once

#include <cstdint>

namespace cnnengine {

constexpr int kGemvPanels = 4;

using SgemvUkernel = void (*)(int64_t kc, const float* x, const float* b, int64_t panel_stride, int panels,
                              float* y, int nr, const float* bias, bool relu);

void sgemv_ukernel_4x16_scalar(int64_t kc, const float* x, const float* b, int64_t panel_stride, int panels,
                               float* y, int nr, const float* bias, bool relu);
void sgemv_ukernel_4x16_avx2_fma(int64_t kc, const float* x, const float* b, int64_t panel_stride, int panels,
                                 float* y, int nr, const float* bias, bool relu);

SgemvUkernel active_sgemv_ukernel();

// Adds the bias, applies ReLU and stores the first nr of the `sums` (shared by both kernels).
inline void store_gemv_outputs(const float* sums, float* y, int nr, const float* bias, bool relu) {
    for (int c = 0; c < nr; ++c) {
        const float v = sums[c] + (bias ? bias[c] : 0.0f);
        y[c] = relu && v < 0.0f ? 0.0f : v;
    }
}

}  // namespace cnnengine
