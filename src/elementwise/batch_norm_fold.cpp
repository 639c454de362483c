#include "elementwise/batch_norm_fold.h"

#include "elementwise/batch_norm.h"

namespace cnnengine {

void fold_batch_norm(const float* conv_weight, const float* conv_bias, int64_t out_channels, int64_t per_output,
                     const float* mean, const float* var, const float* bn_weight, const float* bn_bias,
                     double eps, float* new_weight, float* new_bias) {
    for (int64_t o = 0; o < out_channels; ++o) {
        const double s = batch_norm_scale(var, bn_weight, eps, o);
        const float* w = conv_weight + o * per_output;
        float* w_out = new_weight + o * per_output;
        for (int64_t i = 0; i < per_output; ++i) w_out[i] = static_cast<float>(w[i] * s);
        const double b = conv_bias ? static_cast<double>(conv_bias[o]) : 0.0;
        new_bias[o] = static_cast<float>((b - mean[o]) * s + (bn_bias ? static_cast<double>(bn_bias[o]) : 0.0));
    }
}

}  // namespace cnnengine
