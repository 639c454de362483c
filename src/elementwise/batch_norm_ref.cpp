#include "elementwise/batch_norm_ref.h"

#include <cmath>

namespace cnnengine {

void batch_norm_ref(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner,
                    const float* mean, const float* var, const float* weight, const float* bias, double eps) {
    for (int64_t n = 0; n < batch; ++n) {
        for (int64_t c = 0; c < channels; ++c) {
            const double stddev = std::sqrt(static_cast<double>(var[c]) + eps);
            const double gamma = weight ? weight[c] : 1.0, beta = bias ? bias[c] : 0.0;
            const int64_t base = (n * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i)
                y[base + i] = static_cast<float>((x[base + i] - static_cast<double>(mean[c])) / stddev * gamma + beta);
        }
    }
}

}  // namespace cnnengine
