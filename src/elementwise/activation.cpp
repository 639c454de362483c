#include "elementwise/activation.h"

#include <cmath>

#include "common/cpu_features.h"
#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

// Clamp written as comparisons that let NaN through (std::min/max would turn it into a bound).
inline float clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

template <class F>
void apply(const float* x, float* y, int64_t n, F f) {
    parallel_element_ranges(n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) y[i] = f(x[i]);
    });
}

}  // namespace

void activation(const Activation& act, const float* x, float* y, int64_t n) {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() == Isa::avx2_fma && is_clamp_shaped(act.kind)) {
        parallel_element_ranges(n, [&](int64_t begin, int64_t end) {
            clamp_activation_avx2_fma(act, x + begin, y + begin, end - begin);
        });
        return;
    }
#endif
    const float alpha = act.alpha, beta = act.beta;
    switch (act.kind) {
        case ActivationKind::leaky_relu:
            return apply(x, y, n, [=](float v) { return v < 0.0f ? alpha * v : v; });
        case ActivationKind::sigmoid:
            return apply(x, y, n, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
        case ActivationKind::hard_sigmoid:
            return apply(x, y, n, [=](float v) { return clamp(alpha * v + beta, 0.0f, 1.0f); });
        case ActivationKind::hard_swish:
            return apply(x, y, n, [](float v) { return v * clamp(v * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f); });
        case ActivationKind::tanh:
            return apply(x, y, n, [](float v) { return std::tanh(v); });
        case ActivationKind::clip:
            return apply(x, y, n, [=](float v) { return clamp(v, alpha, beta); });
    }
}

}  // namespace cnnengine
