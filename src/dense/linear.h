// Linear (fully connected) layer on the packed SGEMM: y[N x out] = x[N x in] * W^T + bias.
// The weight [out, in] is packed once as the B operand (NR-column panels of W^T), the batch is
// packed per call as A, and the bias (+ ReLU) is applied in the micro-kernel's epilogue.
// At batch 1 it is a GEMV (sgemv_ukernel.h) that streams the packed weight once, bound by
// memory bandwidth. Reference: linear_ref.
#pragma once

#include <vector>

#include "gemm/pack.h"

namespace cnnengine {

class Linear {
public:
    // weight: [out_features, in_features] row-major; bias: [out_features] or null.
    Linear(const float* weight, const float* bias, int64_t out_features, int64_t in_features);

    int64_t in_features() const { return in_features_; }
    int64_t out_features() const { return out_features_; }

    // x: [batch, in_features]; y: [batch, out_features].
    void forward(const float* x, int64_t batch, float* y, bool relu) const;

    // Part of a batch-1 GEMV, for callers that split one across threads themselves:
    // y[j - col_begin] = sum over inputs k in [k_begin, k_end) of W[j, k] * x[k] (+ bias[j] when
    // add_bias; ReLU when relu) for outputs j in [col_begin, col_end); col_begin a multiple of 16.
    void gemv_part(const float* x, int64_t k_begin, int64_t k_end, int64_t col_begin, int64_t col_end, bool add_bias,
                   bool relu, float* y) const;

private:
    void forward_one(const float* x, float* y, bool relu) const;  // batch 1: a GEMV over the packed weight

    int64_t out_features_, in_features_;
    PackedB packed_weight_;
    std::vector<float> bias_;
};

// Plain loops, double accumulation: y = relu?(x * W^T + bias).
void linear_ref(const float* x, int64_t batch, const float* weight, const float* bias, int64_t out_features,
                int64_t in_features, bool relu, float* y);

}  // namespace cnnengine
