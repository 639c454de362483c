// The last few output pixels of a 1x1 convolution (C = W * X with X the input's K x pixels
// matrix) as matrix-vector products over the packed weights. A map of 7 x 7 (49 pixels) or
// 14 x 14 (196) is just past a multiple of the 16-column SGEMM tile: its last tile would compute
// 16 columns to keep 1 or 4, which made a 7 x 7 conv 38% slower than a 6 x 8 one. Here each
// left-over column costs one FMA per weight (6 rows per 8-lane vector) instead of a whole tile.
// Reference: sgemm_ref (through conv2d_ref).
#pragma once

#include <cstdint>

#include "gemm/pack.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

// Columns past the last whole tile that run here: at most this many (more fill a tile well enough).
constexpr int64_t kMaxPointwiseTailColumns = 4;

// How many of `pixels` columns are left to pointwise_tail (0 when a tile serves them better).
int64_t pointwise_tail_columns(int64_t pixels);

// sums[j][r] = row r of the 6-row weight panel (depth steps, pack.h layout) times column j of B
// (b[k * ldb + j]), for j < cols <= kMaxPointwiseTailColumns.
void pointwise_tail_sums_scalar(const float* panel, int64_t depth, const float* b, int64_t ldb, int64_t cols,
                                float sums[kMaxPointwiseTailColumns][8]);
void pointwise_tail_sums_avx2_fma(const float* panel, int64_t depth, const float* b, int64_t ldb, int64_t cols,
                                  float sums[kMaxPointwiseTailColumns][8]);

// C[rows [m_begin, m_end), cols [col, col + cols)] = A * B + epilogue (row_bias, residual, relu;
// no col_bias, no accumulate), B row-major with row stride ldb; m_begin a multiple of MR. Runs
// the sums of the active ISA (common/cpu_features.h).
void pointwise_tail(const PackedA& a, const float* b, int64_t ldb, int64_t col, int64_t cols, const GemmOutput& out,
                    int64_t m_begin, int64_t m_end);

}  // namespace cnnengine
