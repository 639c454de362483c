// Batch normalization in inference mode, per channel (dim 1) of N x C x inner float32 data
// (inner = H*W for NCHW, 1 for N x C): y = x * scale[c] + shift[c] with
// scale = weight / sqrt(var + eps) and shift = bias - mean * scale, computed once per call in
// double. Reference: batch_norm_ref.h (and torch.nn.functional.batch_norm(training=False)).
#pragma once

#include <cmath>
#include <cstdint>

namespace cnnengine {

// The per-channel factor weight / sqrt(var + eps) in double; weight may be null (1).
inline double batch_norm_scale(const float* var, const float* weight, double eps, int64_t c) {
    return (weight ? static_cast<double>(weight[c]) : 1.0) / std::sqrt(static_cast<double>(var[c]) + eps);
}

// Fills scale[C] and shift[C] (float) from the running statistics; weight/bias may be null (1/0).
void batch_norm_scale_shift(int64_t channels, const float* mean, const float* var, const float* weight,
                            const float* bias, double eps, float* scale, float* shift);

// y may alias x. weight and bias may be null.
void batch_norm_inference(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner,
                          const float* mean, const float* var, const float* weight, const float* bias,
                          double eps);

}  // namespace cnnengine
