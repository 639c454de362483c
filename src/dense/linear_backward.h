// Gradients of the linear layer y[N x out] = x[N x in] * W^T + b, given dy, on the packed SGEMM:
//   dx = dy [N x out] * W [out x in]
//   dW = dy^T [out x N] * x [N x in]      (dy transposed once into scratch)
//   db = column sums of dy
// Each product runs on the thread team. Reference: linear_backward_ref.
#pragma once

#include <cstdint>

namespace cnnengine {

// A null dx / dw / db skips that gradient; the others are overwritten.
void linear_backward(const float* x, const float* weight, const float* dy, int64_t batch, int64_t out_features,
                     int64_t in_features, float* dx, float* dw, float* db);

// Plain loops, double accumulation.
void linear_backward_ref(const float* x, const float* weight, const float* dy, int64_t batch,
                         int64_t out_features, int64_t in_features, float* dx, float* dw, float* db);

}  // namespace cnnengine
