// Reference SGEMM: plain loops, double accumulation, same epilogue order as the micro-kernels
// (product, + row bias, + column bias, + residual, ReLU). The oracle for every GEMM path.
#pragma once

#include <cstdint>

namespace cnnengine {

void sgemm_ref(int64_t rows, int64_t cols, int64_t depth, const float* a, int64_t lda, const float* b,
               int64_t ldb, float* c, int64_t ldc, const float* row_bias, const float* col_bias,
               const float* residual, int64_t ldr, bool relu);

}  // namespace cnnengine
