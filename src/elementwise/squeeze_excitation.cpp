#include "elementwise/squeeze_excitation.h"

#include <vector>

#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

// Mean of a plane: 8 partial sums, so that the compiler vectorises without reassociating.
float plane_mean(const float* p, int64_t hw) {
    constexpr int kLanes = 8;
    float partial[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= hw; i += kLanes)
        for (int j = 0; j < kLanes; ++j) partial[j] += p[i + j];
    float sum = 0.0f;
    for (int j = 0; j < kLanes; ++j) sum += partial[j];
    for (; i < hw; ++i) sum += p[i];
    return sum / static_cast<float>(hw);
}

}  // namespace

SqueezeExcitation::SqueezeExcitation(const float* reduce_weight, const float* reduce_bias, const float* expand_weight,
                                     const float* expand_bias, int64_t channels, int64_t hidden, bool reduce_relu,
                                     const Activation& gate)
    : reduce_(reduce_weight, reduce_bias, hidden, channels),
      expand_(expand_weight, expand_bias, channels, hidden),
      reduce_relu_(reduce_relu),
      gate_(gate) {}

void SqueezeExcitation::forward(const float* x, int64_t n, int64_t hw, float* y) const {
    const int64_t c = channels();
    std::vector<float> pooled(static_cast<size_t>(n * c)), squeezed(static_cast<size_t>(n * hidden())),
        scale(static_cast<size_t>(n * c));
    parallel_ranges(n * c, hw, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) pooled[plane] = plane_mean(x + plane * hw, hw);
    });
    reduce_.forward(pooled.data(), n, squeezed.data(), reduce_relu_);
    expand_.forward(squeezed.data(), n, scale.data(), false);
    activation(gate_, scale.data(), scale.data(), n * c);
    parallel_ranges(n * c, hw, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
            const float s = scale[plane];
            const float* in = x + plane * hw;
            float* out = y + plane * hw;
            for (int64_t i = 0; i < hw; ++i) out[i] = in[i] * s;
        }
    });
}

}  // namespace cnnengine
