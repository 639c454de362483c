// Folds an inference-mode batch norm that follows a conv (or dense) layer into that layer's
// weight and bias: with s = weight_bn / sqrt(var + eps) per output channel o,
//   W'[o, ...] = W[o, ...] * s[o],   b'[o] = (b[o] - mean[o]) * s[o] + bias_bn[o]
// in double, rounded once to float32. W is [Cout x per_output] row-major (per_output =
// Cin/groups * kh * kw for a conv). Reference: conv(x, W', b') == bn(conv(x, W, b)) in tests.
#pragma once

#include <cstdint>

namespace cnnengine {

// conv_bias, bn_weight and bn_bias may be null (0, 1, 0). Writes new_weight[Cout * per_output]
// and new_bias[Cout].
void fold_batch_norm(const float* conv_weight, const float* conv_bias, int64_t out_channels, int64_t per_output,
                     const float* mean, const float* var, const float* bn_weight, const float* bn_bias,
                     double eps, float* new_weight, float* new_bias);

}  // namespace cnnengine
