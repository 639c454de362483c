#include "loss/softmax_cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/threading.h"

namespace cnnengine {

double softmax_cross_entropy(const float* logits, const int64_t* labels, int64_t batch, int64_t classes,
                             double smoothing, float* dlogits) {
    std::vector<double> row_loss(static_cast<size_t>(batch));
    const double off_target = smoothing / classes, on_target = 1.0 - smoothing + off_target;
    parallel_for(batch, threads_for(8.0 * batch * classes, batch), [&](int64_t n) {
        const float* z = logits + n * classes;
        const float top = *std::max_element(z, z + classes);
        double sum_exp = 0.0, sum_z = 0.0;
        for (int64_t c = 0; c < classes; ++c) {
            sum_exp += std::exp(static_cast<double>(z[c] - top));
            sum_z += z[c];
        }
        const double log_norm = top + std::log(sum_exp);  // log sum_c exp(z_c)
        // -sum_c q_c (z_c - log_norm) with sum_c q_c = 1.
        row_loss[n] = log_norm - off_target * sum_z - (on_target - off_target) * z[labels[n]];
        if (!dlogits) return;
        const double inv_batch = 1.0 / batch;
        float* d = dlogits + n * classes;
        for (int64_t c = 0; c < classes; ++c)
            d[c] = static_cast<float>((std::exp(z[c] - log_norm) - off_target) * inv_batch);
        d[labels[n]] -= static_cast<float>((on_target - off_target) * inv_batch);
    });
    double total = 0.0;
    for (double value : row_loss) total += value;
    return total / batch;
}

double softmax_cross_entropy_ref(const float* logits, const int64_t* labels, int64_t batch, int64_t classes,
                                 double smoothing, float* dlogits) {
    double total = 0.0;
    for (int64_t n = 0; n < batch; ++n) {
        std::vector<double> p(static_cast<size_t>(classes));
        double norm = 0.0, top = logits[n * classes];
        for (int64_t c = 0; c < classes; ++c) top = std::max(top, static_cast<double>(logits[n * classes + c]));
        for (int64_t c = 0; c < classes; ++c) norm += p[c] = std::exp(logits[n * classes + c] - top);
        for (int64_t c = 0; c < classes; ++c) {
            p[c] /= norm;
            const double q = (c == labels[n] ? 1.0 - smoothing : 0.0) + smoothing / classes;
            total -= q * std::log(p[c]);
            if (dlogits) dlogits[n * classes + c] = static_cast<float>((p[c] - q) / batch);
        }
    }
    return total / batch;
}

}  // namespace cnnengine
