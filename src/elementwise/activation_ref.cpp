#include <cmath>

#include "elementwise/activation.h"

namespace cnnengine {

namespace {

double activation_value(const Activation& act, double v) {
    const double alpha = act.alpha, beta = act.beta;
    switch (act.kind) {
        case ActivationKind::leaky_relu: return v >= 0.0 ? v : alpha * v;
        case ActivationKind::sigmoid: return 1.0 / (1.0 + std::exp(-v));
        case ActivationKind::hard_sigmoid: return std::isnan(v) ? v : std::fmin(1.0, std::fmax(0.0, alpha * v + beta));
        case ActivationKind::hard_swish: return std::isnan(v) ? v : v * std::fmin(1.0, std::fmax(0.0, v / 6.0 + 0.5));
        case ActivationKind::tanh: return std::tanh(v);
        case ActivationKind::clip: return std::isnan(v) ? v : std::fmin(beta, std::fmax(alpha, v));
    }
    return v;
}

}  // namespace

void activation_ref(const Activation& act, const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(activation_value(act, x[i]));
}

}  // namespace cnnengine
