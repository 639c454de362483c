// Reference batch normalization (inference): y = (x - mean) / sqrt(var + eps) * weight + bias,
// element by element in double, single-threaded, in the textbook order (no precomputed
// scale/shift). N x C x inner float32; weight/bias may be null. The oracle for batch_norm.h.
#pragma once

#include <cstdint>

namespace cnnengine {

void batch_norm_ref(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner,
                    const float* mean, const float* var, const float* weight, const float* bias, double eps);

}  // namespace cnnengine
