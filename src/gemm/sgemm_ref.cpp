#include "gemm/sgemm_ref.h"

namespace cnnengine {

void sgemm_ref(int64_t rows, int64_t cols, int64_t depth, const float* a, int64_t lda, const float* b,
               int64_t ldb, float* c, int64_t ldc, const float* row_bias, const float* col_bias,
               const float* residual, int64_t ldr, bool relu) {
    for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) {
            double sum = 0.0;
            for (int64_t k = 0; k < depth; ++k) sum += static_cast<double>(a[i * lda + k]) * b[k * ldb + j];
            float v = static_cast<float>(sum);
            if (row_bias) v += row_bias[i];
            if (col_bias) v += col_bias[j];
            if (residual) v += residual[i * ldr + j];
            if (relu && v < 0.0f) v = 0.0f;
            c[i * ldc + j] = v;
        }
    }
}

}  // namespace cnnengine
