#include <vector>

#include "elementwise/squeeze_excitation.h"

namespace cnnengine {

void squeeze_excitation_ref(const float* x, int64_t n, int64_t channels, int64_t hw, const float* reduce_weight,
                            const float* reduce_bias, const float* expand_weight, const float* expand_bias,
                            int64_t hidden, bool reduce_relu, const Activation& gate, float* y) {
    std::vector<float> pooled(static_cast<size_t>(channels)), squeezed(static_cast<size_t>(hidden)),
        scale(static_cast<size_t>(channels));
    for (int64_t b = 0; b < n; ++b) {
        const float* image = x + b * channels * hw;
        for (int64_t c = 0; c < channels; ++c) {
            double sum = 0.0;
            for (int64_t i = 0; i < hw; ++i) sum += image[c * hw + i];
            pooled[c] = static_cast<float>(sum / static_cast<double>(hw));
        }
        linear_ref(pooled.data(), 1, reduce_weight, reduce_bias, hidden, channels, reduce_relu, squeezed.data());
        linear_ref(squeezed.data(), 1, expand_weight, expand_bias, channels, hidden, false, scale.data());
        activation_ref(gate, scale.data(), scale.data(), channels);
        for (int64_t c = 0; c < channels; ++c)
            for (int64_t i = 0; i < hw; ++i) y[(b * channels + c) * hw + i] = image[c * hw + i] * scale[c];
    }
}

}  // namespace cnnengine
