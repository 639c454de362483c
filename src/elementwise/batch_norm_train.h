// Batch normalization in training mode over N x C x inner float32 data (inner = H*W, or 1 for
// N x C), per channel over the N*inner values, as torch.nn.functional.batch_norm(training=True):
//   forward:  mean, biased var of the batch; y = (x - mean) * invstd * weight + bias;
//             running_mean/var <- (1 - momentum) * running + momentum * (mean, unbiased var)
//   backward: with xhat = (x - mean) * invstd and M = N*inner,
//             dx = weight * invstd * (dy - sum(dy)/M - xhat * sum(dy*xhat)/M),
//             dweight = sum(dy*xhat), dbias = sum(dy)
// Statistics in double, threaded over channels. Reference: batch_norm_train_ref.
#pragma once

#include <cstdint>

namespace cnnengine {

struct BatchNormBatchStats {
    float* mean;    // [C], written
    float* invstd;  // [C] = 1 / sqrt(var + eps), written
};

// weight/bias may be null (1/0); running_mean/var may be null (not tracked), else updated.
void batch_norm_train_forward(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner,
                              const float* weight, const float* bias, double eps, double momentum,
                              float* running_mean, float* running_var, const BatchNormBatchStats& stats);

// dweight/dbias may be null (not wanted).
void batch_norm_train_backward(const float* x, const float* dy, float* dx, int64_t batch, int64_t channels,
                               int64_t inner, const float* weight, const float* mean, const float* invstd,
                               float* dweight, float* dbias);

// Reference twins: one channel at a time, every intermediate in double.
void batch_norm_train_forward_ref(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner,
                                  const float* weight, const float* bias, double eps, double momentum,
                                  float* running_mean, float* running_var, const BatchNormBatchStats& stats);
void batch_norm_train_backward_ref(const float* x, const float* dy, float* dx, int64_t batch, int64_t channels,
                                   int64_t inner, const float* weight, const float* mean, const float* invstd,
                                   float* dweight, float* dbias);

}  // namespace cnnengine
