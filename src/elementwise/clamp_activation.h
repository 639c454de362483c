// The clamp-shaped activations of activation.h (leaky_relu, hard_sigmoid, hard_swish, clip) on
// one value: the portable loops of activation() and the kernels that apply an activation to
// their outputs as they store them (conv epilogues) share these formulas; the 8-lane form is in
// clamp_activation_avx2.h. NaN passes through.
#pragma once

#include "elementwise/activation.h"

namespace cnnengine {

// Clamp written as comparisons that let NaN through (std::min/max would turn it into a bound).
inline float clamp_passing_nan(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

// act.kind must be clamp-shaped; other kinds return v unchanged.
inline float clamp_activation(const Activation& act, float v) {
    switch (act.kind) {
        case ActivationKind::leaky_relu: return v < 0.0f ? act.alpha * v : v;
        case ActivationKind::hard_sigmoid: return clamp_passing_nan(act.alpha * v + act.beta, 0.0f, 1.0f);
        case ActivationKind::hard_swish: return v * clamp_passing_nan(v * (1.0f / 6.0f) + 0.5f, 0.0f, 1.0f);
        case ActivationKind::clip: return clamp_passing_nan(v, act.alpha, act.beta);
        default: return v;
    }
}

// An epilogue's optional activation (null: none) on one value.
inline float apply_clamp_activation(const Activation* act, float v) { return act ? clamp_activation(*act, v) : v; }

}  // namespace cnnengine
