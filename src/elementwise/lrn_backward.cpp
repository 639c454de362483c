#include "elementwise/lrn_backward.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/threading.h"

namespace cnnengine {

void lrn_backward(const float* x, const float* dy, float* dx, int64_t batch, int64_t channels, int64_t inner,
                  int64_t size, double alpha, double beta, double k) {
    const double work = static_cast<double>(channels * inner * (2 * size + 4));
    parallel_for(batch, threads_for(work * batch, batch), [&](int64_t n) {
        const float* xn = x + n * channels * inner;
        const float* gn = dy + n * channels * inner;
        float* out = dx + n * channels * inner;
        // divisor[c] = S_c; then weighted[c] = dy_c x_c S_c^(-beta-1).
        std::vector<float> divisor(static_cast<size_t>(channels * inner), static_cast<float>(k));
        std::vector<float> weighted(static_cast<size_t>(channels * inner));
        const float a = static_cast<float>(alpha / size);
        for (int64_t c = 0; c < channels; ++c) {
            float* s = divisor.data() + c * inner;
            const int64_t lo = std::max<int64_t>(0, c - size / 2), hi = std::min(channels - 1, c + (size - 1) / 2);
            for (int64_t j = lo; j <= hi; ++j) {
                const float* xj = xn + j * inner;
                for (int64_t p = 0; p < inner; ++p) s[p] += a * xj[p] * xj[p];
            }
            float* wc = weighted.data() + c * inner;
            const float* xc = xn + c * inner;
            const float* gc = gn + c * inner;
            for (int64_t p = 0; p < inner; ++p)
                wc[p] = gc[p] * xc[p] * std::pow(s[p], static_cast<float>(-beta - 1.0));
        }
        const float coefficient = static_cast<float>(2.0 * alpha * beta / size);
        for (int64_t i = 0; i < channels; ++i) {
            const float* s = divisor.data() + i * inner;
            const float* xi = xn + i * inner;
            const float* gi = gn + i * inner;
            float* di = out + i * inner;
            for (int64_t p = 0; p < inner; ++p) di[p] = gi[p] * std::pow(s[p], static_cast<float>(-beta));
            // Channels c whose window holds i: i - (size-1)/2 <= c <= i + size/2.
            const int64_t lo = std::max<int64_t>(0, i - (size - 1) / 2), hi = std::min(channels - 1, i + size / 2);
            for (int64_t c = lo; c <= hi; ++c) {
                const float* wc = weighted.data() + c * inner;
                for (int64_t p = 0; p < inner; ++p) di[p] -= coefficient * xi[p] * wc[p];
            }
        }
    });
}

void lrn_backward_ref(const float* x, const float* dy, float* dx, int64_t batch, int64_t channels, int64_t inner,
                      int64_t size, double alpha, double beta, double k) {
    auto at = [&](int64_t n, int64_t c, int64_t p) { return (n * channels + c) * inner + p; };
    auto divisor = [&](int64_t n, int64_t c, int64_t p) {
        double sum = 0.0;
        for (int64_t j = std::max<int64_t>(0, c - size / 2); j <= std::min(channels - 1, c + (size - 1) / 2); ++j)
            sum += static_cast<double>(x[at(n, j, p)]) * x[at(n, j, p)];
        return k + alpha / size * sum;
    };
    for (int64_t n = 0; n < batch; ++n)
        for (int64_t i = 0; i < channels; ++i)
            for (int64_t p = 0; p < inner; ++p) {
                // dL/dx_i = sum_c dy_c * dy_c/dx_i, over every c whose output depends on x_i.
                double sum = 0.0;
                for (int64_t c = 0; c < channels; ++c) {
                    const bool in_window = i >= c - size / 2 && i <= c + (size - 1) / 2;
                    const double s = divisor(n, c, p);
                    double d = 0.0;
                    if (c == i) d += std::pow(s, -beta);
                    if (in_window)
                        d -= 2.0 * alpha * beta / size * x[at(n, c, p)] * x[at(n, i, p)] * std::pow(s, -beta - 1);
                    sum += dy[at(n, c, p)] * d;
                }
                dx[at(n, i, p)] = static_cast<float>(sum);
            }
}

}  // namespace cnnengine
