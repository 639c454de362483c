// The clamp-shaped activations (clamp_activation.h) on 8 lanes, for units compiled with -mavx2
// -mfma only. NaN passes through: _mm256_max_ps / _mm256_min_ps return their second operand
// when either is NaN, and it is always the input side. Products and sums are written as in the
// portable formulas (no fused multiply-add).
#pragma once

#include <immintrin.h>

#include "elementwise/activation.h"

namespace cnnengine {

inline __m256 clamp8_passing_nan(__m256 v, __m256 lo, __m256 hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, v)); }

// act.kind must be clamp-shaped; other kinds return v unchanged.
inline __m256 clamp_activation8(const Activation& act, __m256 v) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    switch (act.kind) {
        case ActivationKind::leaky_relu:
            return _mm256_blendv_ps(v, _mm256_mul_ps(_mm256_set1_ps(act.alpha), v), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
        case ActivationKind::hard_sigmoid:
            return clamp8_passing_nan(_mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(act.alpha), v), _mm256_set1_ps(act.beta)),
                                      zero, one);
        case ActivationKind::hard_swish:
            return _mm256_mul_ps(
                v, clamp8_passing_nan(_mm256_add_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.0f / 6.0f)), _mm256_set1_ps(0.5f)),
                                      zero, one));
        case ActivationKind::clip:
            return clamp8_passing_nan(v, _mm256_set1_ps(act.alpha), _mm256_set1_ps(act.beta));
        default:
            return v;
    }
}

// An epilogue's optional activation (null: none) on 8 lanes.
inline __m256 apply_clamp_activation8(const Activation* act, __m256 v) { return act ? clamp_activation8(*act, v) : v; }

}  // namespace cnnengine
