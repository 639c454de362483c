#include "dense/linear_backward.h"

#include <vector>

#include "common/threading.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

namespace {

// C[rows x cols] = A [rows x depth] * B [depth x cols], all row-major and dense, on the team.
void gemm_dense(const float* a, const float* b, int64_t rows, int64_t depth, int64_t cols, float* c) {
    ScratchPackedA packed(a, depth, rows, depth);
    MatrixBPacker packer(b, cols);
    GemmOutput out;
    out.c = c;
    out.ldc = cols;
    sgemm(packed.get(), GemmB{&packer, nullptr, cols}, out);
}

}  // namespace

void linear_backward(const float* x, const float* weight, const float* dy, int64_t batch, int64_t out_features,
                     int64_t in_features, float* dx, float* dw, float* db) {
    if (dx) gemm_dense(dy, weight, batch, out_features, in_features, dx);
    if (dw) {
        std::vector<float> dy_t(static_cast<size_t>(out_features * batch));
        for (int64_t n = 0; n < batch; ++n)
            for (int64_t o = 0; o < out_features; ++o) dy_t[o * batch + n] = dy[n * out_features + o];
        gemm_dense(dy_t.data(), x, out_features, batch, in_features, dw);
    }
    if (db) {
        std::vector<double> sums(static_cast<size_t>(out_features), 0.0);
        for (int64_t n = 0; n < batch; ++n)
            for (int64_t o = 0; o < out_features; ++o) sums[o] += dy[n * out_features + o];
        for (int64_t o = 0; o < out_features; ++o) db[o] = static_cast<float>(sums[o]);
    }
}

}  // namespace cnnengine
