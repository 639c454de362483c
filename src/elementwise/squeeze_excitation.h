// Squeeze-and-excitation (MobileNet-V3's gate) in one call, in place of four layers - global
// average pool, 1x1 conv (+ ReLU), 1x1 conv + gate activation, broadcast multiply - that each
// cost a kernel call for a few thousand multiply-adds:
//   y[b, c, :] = x[b, c, :] * gate(expand(relu?(reduce(mean over H x W of x[b, c, :]))))[c]
// reduce: channels -> hidden and expand: hidden -> channels are Linear layers (GEMVs on weights
// packed once). y may alias x. Reference: squeeze_excitation_ref.
#pragma once

#include <cstdint>

#include "dense/linear.h"
#include "elementwise/activation.h"

namespace cnnengine {

class SqueezeExcitation {
public:
    // reduce_weight [hidden, channels], expand_weight [channels, hidden]; biases or null.
    SqueezeExcitation(const float* reduce_weight, const float* reduce_bias, const float* expand_weight,
                      const float* expand_bias, int64_t channels, int64_t hidden, bool reduce_relu,
                      const Activation& gate);

    int64_t channels() const { return reduce_.in_features(); }
    int64_t hidden() const { return reduce_.out_features(); }

    // x, y: [n, channels, hw].
    void forward(const float* x, int64_t n, int64_t hw, float* y) const;

private:
    // Batch 1 on `threads` threads: two parallel steps (pool + partial reduce, then expand +
    // gate + scale per channel range) instead of serial GEMVs between split element loops.
    void forward_split(const float* x, int64_t hw, float* y, int threads) const;

    Linear reduce_, expand_;
    bool reduce_relu_;
    Activation gate_;
};

// Plain loops, double accumulation, activation_ref.
void squeeze_excitation_ref(const float* x, int64_t n, int64_t channels, int64_t hw, const float* reduce_weight,
                            const float* reduce_bias, const float* expand_weight, const float* expand_bias,
                            int64_t hidden, bool reduce_relu, const Activation& gate, float* y);

}  // namespace cnnengine
