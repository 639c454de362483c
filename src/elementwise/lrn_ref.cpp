#include "elementwise/lrn_ref.h"

#include <algorithm>
#include <cmath>

namespace cnnengine {

void lrn_ref(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner, int64_t size, double alpha,
             double beta, double k) {
    for (int64_t n = 0; n < batch; ++n) {
        const float* xn = x + n * channels * inner;
        float* yn = y + n * channels * inner;
        for (int64_t c = 0; c < channels; ++c) {
            const int64_t lo = std::max<int64_t>(0, c - size / 2);
            const int64_t hi = std::min<int64_t>(channels - 1, c + (size - 1) / 2);
            for (int64_t p = 0; p < inner; ++p) {
                double sum = 0.0;
                for (int64_t j = lo; j <= hi; ++j) {
                    const double v = xn[j * inner + p];
                    sum += v * v;
                }
                const double divisor = std::pow(k + alpha * sum / static_cast<double>(size), beta);
                yn[c * inner + p] = static_cast<float>(xn[c * inner + p] / divisor);
            }
        }
    }
}

}  // namespace cnnengine
