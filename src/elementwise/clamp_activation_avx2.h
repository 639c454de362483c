// The clamp-shaped activations (clamp_activation.h) on 8 lanes, for units compiled with -mavx2
// -mfma only. Every such kind is one of two forms,
//   leaky_relu                            v < 0 ? alpha * v : v
//   factor * clamp(v * scale + shift, lo, hi), factor v (hard_swish) or 1 (hard_sigmoid, clip),
// so ClampActivationLanes broadcasts its constants once per call and the per-vector code has
// one predictable branch and no memory operands. Products and sums are those of the portable
// formulas (no fused multiply-add), so the results match them up to the sign of a zero (clip
// adds +0). NaN passes through: _mm256_max_ps / _mm256_min_ps return their second operand when
// either is NaN, and it is always the input side.
#pragma once

#include <immintrin.h>

#include <limits>

#include "elementwise/activation.h"

namespace cnnengine {

class ClampActivationLanes {
public:
    // act.kind must be clamp-shaped.
    explicit ClampActivationLanes(const Activation& act) {
        const float inf = std::numeric_limits<float>::infinity();
        float scale = 1.0f, shift = 0.0f, lo = 0.0f, hi = 1.0f;
        bool factor_is_v = false;
        switch (act.kind) {
            case ActivationKind::leaky_relu: scale = act.alpha; lo = -inf; hi = inf; break;
            case ActivationKind::hard_sigmoid: scale = act.alpha; shift = act.beta; break;
            case ActivationKind::hard_swish: scale = 1.0f / 6.0f; shift = 0.5f; factor_is_v = true; break;
            default: lo = act.alpha; hi = act.beta; break;  // clip
        }
        leaky_ = act.kind == ActivationKind::leaky_relu;
        scale_ = _mm256_set1_ps(scale);
        shift_ = _mm256_set1_ps(shift);
        lo_ = _mm256_set1_ps(lo);
        hi_ = _mm256_set1_ps(hi);
        factor_is_v_ = _mm256_castsi256_ps(_mm256_set1_epi32(factor_is_v ? -1 : 0));
    }

    __m256 operator()(__m256 v) const {
        if (leaky_)
            return _mm256_blendv_ps(v, _mm256_mul_ps(scale_, v), _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
        const __m256 clamped = _mm256_min_ps(hi_, _mm256_max_ps(lo_, _mm256_add_ps(_mm256_mul_ps(v, scale_), shift_)));
        return _mm256_mul_ps(clamped, _mm256_blendv_ps(_mm256_set1_ps(1.0f), v, factor_is_v_));
    }

private:
    bool leaky_;
    __m256 scale_, shift_, lo_, hi_, factor_is_v_;
};

// The "no activation" stand-in for kernels templated on their epilogue's activation: their
// plain instance compiles as if the activation step were not there.
struct NoActivation {
    __m256 operator()(__m256 v) const { return v; }
};

// run(ClampActivationLanes(*activation)), or run(NoActivation()) when activation is null: the
// dispatch of a kernel templated on its epilogue's activation.
template <class Run>
inline void with_activation_lanes(const Activation* activation, Run&& run) {
    if (activation)
        run(ClampActivationLanes(*activation));
    else
        run(NoActivation());
}

}  // namespace cnnengine
