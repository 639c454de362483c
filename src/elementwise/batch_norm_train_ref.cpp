#include <cmath>
#include <vector>

#include "elementwise/batch_norm_train.h"

namespace cnnengine {

namespace {

// Channel c's values, in double.
std::vector<double> channel_values(const float* data, int64_t batch, int64_t channels, int64_t inner, int64_t c) {
    std::vector<double> values;
    for (int64_t n = 0; n < batch; ++n)
        for (int64_t i = 0; i < inner; ++i) values.push_back(data[(n * channels + c) * inner + i]);
    return values;
}

}  // namespace

void batch_norm_train_forward_ref(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner,
                                  const float* weight, const float* bias, double eps, double momentum,
                                  float* running_mean, float* running_var, const BatchNormBatchStats& stats) {
    for (int64_t c = 0; c < channels; ++c) {
        const std::vector<double> v = channel_values(x, batch, channels, inner, c);
        const double count = static_cast<double>(v.size());
        double mean = 0.0, var = 0.0;
        for (double value : v) mean += value / count;
        for (double value : v) var += (value - mean) * (value - mean) / count;
        const double invstd = 1.0 / std::sqrt(var + eps);
        stats.mean[c] = static_cast<float>(mean);
        stats.invstd[c] = static_cast<float>(invstd);
        if (running_mean) running_mean[c] = static_cast<float>((1 - momentum) * running_mean[c] + momentum * mean);
        if (running_var)
            running_var[c] = static_cast<float>((1 - momentum) * running_var[c] +
                                                momentum * (count > 1 ? var * count / (count - 1) : var));
        for (int64_t n = 0; n < batch; ++n)
            for (int64_t i = 0; i < inner; ++i) {
                const int64_t at = (n * channels + c) * inner + i;
                const double xhat = (x[at] - mean) * invstd;
                y[at] = static_cast<float>(xhat * (weight ? weight[c] : 1.0) + (bias ? bias[c] : 0.0));
            }
    }
}

void batch_norm_train_backward_ref(const float* x, const float* dy, float* dx, int64_t batch, int64_t channels,
                                   int64_t inner, const float* weight, const float* mean, const float* invstd,
                                   float* dweight, float* dbias) {
    for (int64_t c = 0; c < channels; ++c) {
        const std::vector<double> v = channel_values(x, batch, channels, inner, c);
        const std::vector<double> g = channel_values(dy, batch, channels, inner, c);
        const double count = static_cast<double>(v.size());
        std::vector<double> xhat(v.size());
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (size_t i = 0; i < v.size(); ++i) {
            xhat[i] = (v[i] - mean[c]) * invstd[c];
            sum_dy += g[i];
            sum_dy_xhat += g[i] * xhat[i];
        }
        if (dweight) dweight[c] = static_cast<float>(sum_dy_xhat);
        if (dbias) dbias[c] = static_cast<float>(sum_dy);
        if (!dx) continue;
        const double gamma = weight ? weight[c] : 1.0;
        size_t i = 0;
        for (int64_t n = 0; n < batch; ++n)
            for (int64_t p = 0; p < inner; ++p, ++i)
                dx[(n * channels + c) * inner + p] = static_cast<float>(
                    gamma * invstd[c] * (g[i] - sum_dy / count - xhat[i] * sum_dy_xhat / count));
    }
}

}  // namespace cnnengine
