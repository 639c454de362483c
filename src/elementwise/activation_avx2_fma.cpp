// AVX2 loops for the clamp-shaped activations of activation.h (leaky_relu, hard_sigmoid,
// hard_swish, clip): 8 floats per step, then the same formulas on the tail. NaN passes through:
// _mm256_max_ps / _mm256_min_ps return their second operand when either is NaN, and it is
// always the input side. Products and sums are rounded as in the portable loop (no FMA), so
// both paths give the same bits. Compiled with -mavx2 -mfma only; chosen in activation.cpp.
#include <immintrin.h>

#include "elementwise/activation.h"

namespace cnnengine {

namespace {

inline float clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

// f8 on 8 floats at a time, f1 on the rest.
template <class F8, class F1>
void apply(const float* x, float* y, int64_t n, F8 f8, F1 f1) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f8(_mm256_loadu_ps(x + i)));
    for (; i < n; ++i) y[i] = f1(x[i]);
}

inline __m256 clamp8(__m256 v, __m256 lo, __m256 hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, v)); }

}  // namespace

void clamp_activation_avx2_fma(const Activation& act, const float* x, float* y, int64_t n) {
    const float alpha = act.alpha, beta = act.beta;
    const __m256 a = _mm256_set1_ps(alpha), b = _mm256_set1_ps(beta);
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    const __m256 sixth = _mm256_set1_ps(1.0f / 6.0f), half = _mm256_set1_ps(0.5f);
    switch (act.kind) {
        case ActivationKind::leaky_relu:
            apply(x, y, n, [&](__m256 v) { return _mm256_blendv_ps(v, _mm256_mul_ps(a, v), _mm256_cmp_ps(v, zero, _CMP_LT_OQ)); },
                  [&](float v) { return v < 0.0f ? alpha * v : v; });
            return;
        case ActivationKind::hard_sigmoid:
            apply(x, y, n, [&](__m256 v) { return clamp8(_mm256_add_ps(_mm256_mul_ps(a, v), b), zero, one); },
                  [&](float v) { return clamp(alpha * v + beta, 0.0f, 1.0f); });
            return;
        case ActivationKind::hard_swish:
            apply(x, y, n,
                  [&](__m256 v) { return _mm256_mul_ps(v, clamp8(_mm256_add_ps(_mm256_mul_ps(v, sixth), half), zero, one)); },
                  [](float v) { return v * clamp(v * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f); });
            return;
        case ActivationKind::clip:
            apply(x, y, n, [&](__m256 v) { return clamp8(v, a, b); }, [&](float v) { return clamp(v, alpha, beta); });
            return;
        default:
            return;  // not clamp-shaped: the caller never sends these
    }
}

}  // namespace cnnengine
