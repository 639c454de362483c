#include "elementwise/batch_norm_train.h"

#include <cmath>

#include "common/threading.h"
#include "elementwise/channel_sum.h"

namespace cnnengine {

namespace {

// Runs body(c) over the channels; body sees channel c's values as `batch` runs of `inner`.
template <class Body>
void for_each_channel(int64_t batch, int64_t channels, int64_t inner, Body&& body) {
    parallel_for(channels, threads_for(4.0 * batch * channels * inner, channels), body);
}

}  // namespace

void batch_norm_train_forward(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner,
                              const float* weight, const float* bias, double eps, double momentum,
                              float* running_mean, float* running_var, const BatchNormBatchStats& stats) {
    const double count = static_cast<double>(batch * inner);
    for_each_channel(batch, channels, inner, [&](int64_t c) {
        const double mean = channel_sum(x, batch, channels, inner, c) / count;
        double squares = 0.0;
        for (int64_t n = 0; n < batch; ++n) {
            const float* run = x + (n * channels + c) * inner;
            const float m = static_cast<float>(mean);
            float partial = 0.0f;
            for (int64_t i = 0; i < inner; ++i) partial += (run[i] - m) * (run[i] - m);
            squares += partial;
        }
        const double var = squares / count;
        const double invstd = 1.0 / std::sqrt(var + eps);
        stats.mean[c] = static_cast<float>(mean);
        stats.invstd[c] = static_cast<float>(invstd);
        if (running_mean) running_mean[c] = static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * mean);
        if (running_var) {
            const double unbiased = count > 1 ? squares / (count - 1) : var;
            running_var[c] = static_cast<float>((1.0 - momentum) * running_var[c] + momentum * unbiased);
        }
        const double gamma = weight ? weight[c] : 1.0, beta = bias ? bias[c] : 0.0;
        const float scale = static_cast<float>(gamma * invstd), shift = static_cast<float>(beta - mean * gamma * invstd);
        for (int64_t n = 0; n < batch; ++n) {
            const float* run = x + (n * channels + c) * inner;
            float* out = y + (n * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i) out[i] = run[i] * scale + shift;
        }
    });
}

void batch_norm_train_backward(const float* x, const float* dy, float* dx, int64_t batch, int64_t channels,
                               int64_t inner, const float* weight, const float* mean, const float* invstd,
                               float* dweight, float* dbias) {
    const double count = static_cast<double>(batch * inner);
    for_each_channel(batch, channels, inner, [&](int64_t c) {
        const float m = mean[c], s = invstd[c];
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int64_t n = 0; n < batch; ++n) {
            const float* run = x + (n * channels + c) * inner;
            const float* g = dy + (n * channels + c) * inner;
            float partial_dy = 0.0f, partial_dy_xhat = 0.0f;
            for (int64_t i = 0; i < inner; ++i) {
                partial_dy += g[i];
                partial_dy_xhat += g[i] * (run[i] - m);
            }
            sum_dy += partial_dy;
            sum_dy_xhat += partial_dy_xhat;
        }
        sum_dy_xhat *= s;
        if (dweight) dweight[c] = static_cast<float>(sum_dy_xhat);
        if (dbias) dbias[c] = static_cast<float>(sum_dy);
        if (!dx) return;
        const double gamma = weight ? weight[c] : 1.0;
        // dx = a * dy + b * (x - mean) + d with per-channel constants; x - mean stays explicit
        // (folding it into d cancels catastrophically when |mean| >> std).
        const double a = gamma * s, mean_dy = sum_dy / count, mean_dy_xhat = sum_dy_xhat / count;
        const float fa = static_cast<float>(a), fb = static_cast<float>(-a * mean_dy_xhat * s);
        const float fd = static_cast<float>(-a * mean_dy);
        for (int64_t n = 0; n < batch; ++n) {
            const float* run = x + (n * channels + c) * inner;
            const float* g = dy + (n * channels + c) * inner;
            float* out = dx + (n * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i) out[i] = fa * g[i] + fb * (run[i] - m) + fd;
        }
    });
}

}  // namespace cnnengine
