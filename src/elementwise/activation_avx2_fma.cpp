// AVX2 loop for the clamp-shaped activations of activation.h (leaky_relu, hard_sigmoid,
// hard_swish, clip): 8 floats per step (ClampActivationLanes), then the same formulas on the
// tail. Compiled with -mavx2 -mfma only; chosen in activation.cpp.
#include "elementwise/activation.h"
#include "elementwise/clamp_activation.h"
#include "elementwise/clamp_activation_avx2.h"

namespace cnnengine {

void clamp_activation_avx2_fma(const Activation& act, const float* x, float* y, int64_t n) {
    const ClampActivationLanes lanes(act);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, lanes(_mm256_loadu_ps(x + i)));
    const Activation local = act;  // a copy the stores to y cannot alias
    for (; i < n; ++i) y[i] = clamp_activation(local, x[i]);
}

}  // namespace cnnengine
