// Point-wise activations beyond ReLU (the ONNX set used by MobileNets and friends), over a flat
// float32 buffer; y may alias x. Parameters follow the ONNX operator definitions:
//   leaky_relu    x >= 0 ? x : alpha * x
//   sigmoid       1 / (1 + exp(-x))
//   hard_sigmoid  clamp(alpha * x + beta, 0, 1)            (ONNX defaults alpha 0.2, beta 0.5)
//   hard_swish    x * clamp(x / 6 + 1 / 2, 0, 1)
//   tanh          tanh(x)
//   clip          clamp(x, alpha, beta)                    (ReLU6: alpha 0, beta 6)
// NaN passes through every activation. Reference: activation_ref (double precision).
#pragma once

#include <cstdint>

namespace cnnengine {

enum class ActivationKind { leaky_relu, sigmoid, hard_sigmoid, hard_swish, tanh, clip };

struct Activation {
    ActivationKind kind;
    float alpha = 0.0f;
    float beta = 0.0f;
};

// Threaded over ranges of x; with AVX2 active, the clamp-shaped kinds run the vector loop below.
void activation(const Activation& act, const float* x, float* y, int64_t n);
void activation_ref(const Activation& act, const float* x, float* y, int64_t n);

// leaky_relu, hard_sigmoid, hard_swish and clip: a few compares and products, no exp.
inline bool is_clamp_shaped(ActivationKind kind) {
    return kind != ActivationKind::sigmoid && kind != ActivationKind::tanh;
}

// A clamp-shaped activation on y in place, on the calling thread (kernels that finish their
// output rows with one); AVX2 when active.
void clamp_activation_in_place(const Activation& act, float* y, int64_t n);

// AVX2 loop of one range for a clamp-shaped kind (same bits as the portable loop). Call only
// when AVX2/FMA is active.
void clamp_activation_avx2_fma(const Activation& act, const float* x, float* y, int64_t n);

}  // namespace cnnengine
