// The GEMV micro-kernel for batch-1 linear layers: y[0..nr) = x[0..kc) * B_panel (+ bias, ReLU),
// where B_panel is one NR-column panel of a PackedB (b[k*NR + c], see pack.h). One row of output
// needs no register tiling over rows: the kernel is a stream over the panel, bound by memory
// bandwidth, instead of a 6x16 GEMM tile of which 5 rows would be padding.
#pragma once

#include <cstdint>

namespace cnnengine {

using SgemvUkernel = void (*)(int64_t kc, const float* x, const float* b_panel, float* y, int nr,
                              const float* bias, bool relu);

void sgemv_ukernel_1x16_scalar(int64_t kc, const float* x, const float* b_panel, float* y, int nr,
                               const float* bias, bool relu);
// Four k steps in flight (8 independent accumulators); the hardware prefetcher follows the
// sequential panel (measured: software prefetch made it slower here).
void sgemv_ukernel_1x16_avx2_fma(int64_t kc, const float* x, const float* b_panel, float* y, int nr,
                                 const float* bias, bool relu);

SgemvUkernel active_sgemv_ukernel();

}  // namespace cnnengine
