#include "dense/linear_backward.h"

namespace cnnengine {

void linear_backward_ref(const float* x, const float* weight, const float* dy, int64_t batch,
                         int64_t out_features, int64_t in_features, float* dx, float* dw, float* db) {
    for (int64_t n = 0; dx && n < batch; ++n)
        for (int64_t i = 0; i < in_features; ++i) {
            double sum = 0.0;
            for (int64_t o = 0; o < out_features; ++o)
                sum += static_cast<double>(dy[n * out_features + o]) * weight[o * in_features + i];
            dx[n * in_features + i] = static_cast<float>(sum);
        }
    for (int64_t o = 0; o < out_features; ++o) {
        double bias_sum = 0.0;
        for (int64_t n = 0; n < batch; ++n) bias_sum += dy[n * out_features + o];
        if (db) db[o] = static_cast<float>(bias_sum);
        for (int64_t i = 0; dw && i < in_features; ++i) {
            double sum = 0.0;
            for (int64_t n = 0; n < batch; ++n)
                sum += static_cast<double>(dy[n * out_features + o]) * x[n * in_features + i];
            dw[o * in_features + i] = static_cast<float>(sum);
        }
    }
}

}  // namespace cnnengine
