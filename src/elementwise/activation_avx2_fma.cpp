// AVX2 loop for the clamp-shaped activations of activation.h (leaky_relu, hard_sigmoid,
// hard_swish, clip): 8 floats per step (clamp_activation_avx2.h), then the same formulas on the
// tail. Compiled with -mavx2 -mfma only; chosen in activation.cpp.
#include "elementwise/activation.h"
#include "elementwise/clamp_activation.h"
#include "elementwise/clamp_activation_avx2.h"

namespace cnnengine {

void clamp_activation_avx2_fma(const Activation& act, const float* x, float* y, int64_t n) {
    const Activation local = act;  // a copy the stores to y cannot alias: its switch leaves the loop
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, clamp_activation8(local, _mm256_loadu_ps(x + i)));
    for (; i < n; ++i) y[i] = clamp_activation(local, x[i]);
}

}  // namespace cnnengine
