#include "elementwise/softmax_ref.h"

#include <cmath>

namespace cnnengine {

void softmax_ref(const float* x, float* y, int64_t outer, int64_t classes, int64_t inner) {
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
            const float* xs = x + o * classes * inner + i;
            float* ys = y + o * classes * inner + i;
            double m = xs[0];
            for (int64_t k = 1; k < classes; ++k) m = std::fmax(m, static_cast<double>(xs[k * inner]));
            double sum = 0.0;
            for (int64_t k = 0; k < classes; ++k) sum += std::exp(xs[k * inner] - m);
            for (int64_t k = 0; k < classes; ++k) ys[k * inner] = static_cast<float>(std::exp(xs[k * inner] - m) / sum);
        }
    }
}

}  // namespace cnnengine
