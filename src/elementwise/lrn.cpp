#include "elementwise/lrn.h"

#include <algorithm>
#include <cmath>

#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

constexpr int64_t kPixelBlock = 256;

enum class Power { ThreeQuarters, Half, One, General };

// y[i] = x[i] / (k + a * sum[i])^beta for one channel of a pixel block. The sum stays in double;
// the root paths round s to float and finish in float (4-5 roundings of 2^-24: < 4e-7 relative),
// twice the lanes of double sqrt/div. The general power uses std::pow in double.
template <Power P>
void normalize(const float* x, float* y, const double* sum, int64_t len, double a, double k, double beta) {
    if constexpr (P == Power::General) {
        for (int64_t i = 0; i < len; ++i) y[i] = static_cast<float>(x[i] / std::pow(k + a * sum[i], beta));
        return;
    }
    for (int64_t i = 0; i < len; ++i) {
        const float s = static_cast<float>(k + a * sum[i]);
        float d;
        if constexpr (P == Power::ThreeQuarters) {
            const float r = std::sqrt(s);
            d = r * std::sqrt(r);
        } else if constexpr (P == Power::Half) {
            d = std::sqrt(s);
        } else {
            d = s;
        }
        y[i] = x[i] / d;
    }
}

template <Power P>
void lrn_block(const float* x, float* y, int64_t channels, int64_t inner, int64_t len, int64_t size, double a,
               double k, double beta) {
    const int64_t before = size / 2, after = (size - 1) / 2;
    double sum[kPixelBlock];
    std::fill(sum, sum + len, 0.0);
    // Window of channel 0: [0, after].
    for (int64_t c = 0; c <= std::min(after, channels - 1); ++c) {
        const float* xc = x + c * inner;
        for (int64_t i = 0; i < len; ++i) sum[i] += static_cast<double>(xc[i]) * xc[i];
    }
    for (int64_t c = 0; c < channels; ++c) {
        normalize<P>(x + c * inner, y + c * inner, sum, len, a, k, beta);
        // Slide to channel c + 1: channel c + after + 1 enters, channel c - before leaves.
        if (c + after + 1 < channels) {
            const float* xa = x + (c + after + 1) * inner;
            for (int64_t i = 0; i < len; ++i) sum[i] += static_cast<double>(xa[i]) * xa[i];
        }
        if (c - before >= 0) {
            const float* xr = x + (c - before) * inner;
            for (int64_t i = 0; i < len; ++i) sum[i] -= static_cast<double>(xr[i]) * xr[i];
        }
    }
}

template <Power P>
void lrn_all(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner, int64_t size, double alpha,
             double beta, double k) {
    const int64_t blocks = (inner + kPixelBlock - 1) / kPixelBlock;
    const double a = alpha / static_cast<double>(size);
    parallel_ranges(batch * blocks, channels * std::min(inner, kPixelBlock), [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
            const int64_t n = item / blocks, p0 = (item % blocks) * kPixelBlock;
            const int64_t offset = n * channels * inner + p0;
            lrn_block<P>(x + offset, y + offset, channels, inner, std::min(kPixelBlock, inner - p0), size, a, k,
                         beta);
        }
    });
}

}  // namespace

void lrn(const float* x, float* y, int64_t batch, int64_t channels, int64_t inner, int64_t size, double alpha,
         double beta, double k) {
    if (beta == 0.75)
        lrn_all<Power::ThreeQuarters>(x, y, batch, channels, inner, size, alpha, beta, k);
    else if (beta == 0.5)
        lrn_all<Power::Half>(x, y, batch, channels, inner, size, alpha, beta, k);
    else if (beta == 1.0)
        lrn_all<Power::One>(x, y, batch, channels, inner, size, alpha, beta, k);
    else
        lrn_all<Power::General>(x, y, batch, channels, inner, size, alpha, beta, k);
}

}  // namespace cnnengine
