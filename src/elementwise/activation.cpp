#include "elementwise/activation.h"

#include <cmath>

#include "common/cpu_features.h"
#include "common/parallel_ranges.h"
#include "elementwise/clamp_activation.h"

namespace cnnengine {

namespace {

template <class F>
void apply(const float* x, float* y, int64_t n, F f) {
    parallel_element_ranges(n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) y[i] = f(x[i]);
    });
}

// One range of a clamp-shaped kind on the calling thread.
void clamp_activation_range(const Activation& act, const float* x, float* y, int64_t n) {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return clamp_activation_avx2_fma(act, x, y, n);
#endif
    const Activation local = act;  // a copy the stores to y cannot alias: its switch leaves the loop
    for (int64_t i = 0; i < n; ++i) y[i] = clamp_activation(local, x[i]);
}

}  // namespace

void activation(const Activation& act, const float* x, float* y, int64_t n) {
    switch (act.kind) {
        case ActivationKind::sigmoid:
            return apply(x, y, n, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
        case ActivationKind::tanh:
            return apply(x, y, n, [](float v) { return std::tanh(v); });
        default:
            return parallel_element_ranges(
                n, [&](int64_t begin, int64_t end) { clamp_activation_range(act, x + begin, y + begin, end - begin); });
    }
}

void clamp_activation_in_place(const Activation& act, float* y, int64_t n) { clamp_activation_range(act, y, y, n); }

}  // namespace cnnengine
