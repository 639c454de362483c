#include "elementwise/softmax.h"

#include <algorithm>
#include <cmath>

#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

// Pixels handled together when the softmax axis is strided (inner > 1).
constexpr int64_t kPixelBlock = 256;

void softmax_row(const float* x, float* y, int64_t classes) {
    float m = x[0];
#pragma omp simd reduction(max : m)
    for (int64_t k = 1; k < classes; ++k) m = std::max(m, x[k]);
    double sum = 0.0;
    for (int64_t k = 0; k < classes; ++k) {
        const float e = std::exp(x[k] - m);
        y[k] = e;
        sum += e;
    }
    const float r = static_cast<float>(1.0 / sum);
    for (int64_t k = 0; k < classes; ++k) y[k] *= r;
}

// Softmax over `classes` rows of stride `inner` for `len` adjacent pixels.
void softmax_pixels(const float* x, float* y, int64_t classes, int64_t inner, int64_t len) {
    float m[kPixelBlock], r[kPixelBlock];
    double sum[kPixelBlock];
    std::copy(x, x + len, m);
    for (int64_t k = 1; k < classes; ++k) {
        const float* xk = x + k * inner;
        for (int64_t i = 0; i < len; ++i) m[i] = xk[i] > m[i] ? xk[i] : m[i];
    }
    std::fill(sum, sum + len, 0.0);
    for (int64_t k = 0; k < classes; ++k) {
        const float* xk = x + k * inner;
        float* yk = y + k * inner;
        for (int64_t i = 0; i < len; ++i) {
            const float e = std::exp(xk[i] - m[i]);
            yk[i] = e;
            sum[i] += e;
        }
    }
    for (int64_t i = 0; i < len; ++i) r[i] = static_cast<float>(1.0 / sum[i]);
    for (int64_t k = 0; k < classes; ++k) {
        float* yk = y + k * inner;
        for (int64_t i = 0; i < len; ++i) yk[i] *= r[i];
    }
}

}  // namespace

void softmax(const float* x, float* y, int64_t outer, int64_t classes, int64_t inner) {
    if (inner == 1) {
        parallel_ranges(outer, classes, [&](int64_t begin, int64_t end) {
            for (int64_t o = begin; o < end; ++o) softmax_row(x + o * classes, y + o * classes, classes);
        });
        return;
    }
    const int64_t blocks = (inner + kPixelBlock - 1) / kPixelBlock;
    parallel_ranges(outer * blocks, classes * std::min(inner, kPixelBlock), [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
            const int64_t o = item / blocks, p0 = (item % blocks) * kPixelBlock;
            const int64_t offset = o * classes * inner + p0;
            softmax_pixels(x + offset, y + offset, classes, inner, std::min(kPixelBlock, inner - p0));
        }
    });
}

}  // namespace cnnengine
