// 1x1 convolutions over a short depth (MobileNet's, up to 240 input channels): the SGEMM
// C = W * X with X, the input's K x pixels matrix, read where it lies. The SGEMM driver packs each
// 16-column panel of X before the row tiles use it, which cost 8-20% of these convs (88 -> 24 on
// 28 x 28: 45 -> 39 us). Here the 6 x 16 tile loads its two B vectors per depth step straight from
// X's rows (stride = pixels); a panel's K x 16 strip stays in L1 while the row tiles pass over it
// as long as K is short (at K = 288 and 576 the packed, K-blocked path is faster).
// Reference: sgemm_ref (through conv2d_ref).
#pragma once

#include <cstdint>

#include "gemm/pack.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

// Depth (input channels) up to which a 1x1 conv reads its input in place: a 16 KB strip.
constexpr int64_t kMaxPointwiseStridedDepth = 256;
// Every column panel passes over all of the packed weights: they must stay in L2 (256 KB here,
// MobileNet's largest 96 -> 576 is 216 KB); larger ones keep the driver's row blocking.
constexpr int64_t kMaxPointwiseStridedWeights = 64 * 1024;

// True when a 1x1 conv with `rows` output and `depth` input channels runs here on its first
// `cols` pixels (which must be whole 16-column panels).
inline bool prefers_pointwise_strided(int64_t rows, int64_t depth, int64_t cols) {
    return depth <= kMaxPointwiseStridedDepth && rows * depth <= kMaxPointwiseStridedWeights && cols % kGemmNR == 0;
}

// C[range] = A * B + epilogue (row_bias, residual, relu; no col_bias, no accumulate), B row-major
// with row stride ldb; the range's columns are whole 16-column panels.
void pointwise_strided_scalar(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                              const GemmRange& range);
void pointwise_strided_avx2_fma(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                                const GemmRange& range);
void pointwise_strided_avx512(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out,
                              const GemmRange& range);
// The variant for the active ISA (common/cpu_features.h).
void pointwise_strided(const PackedA& a, const float* b, int64_t ldb, const GemmOutput& out, const GemmRange& range);

}  // namespace cnnengine
