// ConvTranspose2d with weights packed once, on the packed SGEMM plus col2im:
// per image and group, cols[Cout/g * kh * kw x H*W] = W_g^T [.. x Cin/g] * X_g [Cin/g x H*W], then
// every column scatters its kh x kw taps into the output planes (initialised with the bias).
// Backward: the input gradient is the adjoint convolution of grad_y (conv2d with the same weight),
// the weight gradient sums x * grad_y over the taps, the bias gradient sums grad_y per channel.
// Reference: conv_transpose2d_ref (plain loops, double accumulation).
#pragma once

#include <vector>

#include "conv/conv_transpose2d_params.h"
#include "gemm/pack.h"

namespace cnnengine {

class ConvTranspose2d {
public:
    // weight [Cin, Cout/groups, kh, kw]; bias [Cout] or null. Throws std::invalid_argument.
    ConvTranspose2d(const ConvTranspose2dParams& params, const float* weight, const float* bias);

    const ConvTranspose2dParams& params() const { return params_; }

    // x: [n, Cin, h, w] -> y: [n, Cout, output_h(h), output_w(w)].
    void forward(const float* x, int64_t n, int64_t h, int64_t w, float* y) const;

private:
    ConvTranspose2dParams params_;
    std::vector<PackedA> packed_groups_;  // W_g^T per group: (Cout/g * kh * kw) x Cin/g
    std::vector<float> bias_;
};

// Gradients of a transposed convolution for input x [n, Cin, h, w] and grad_y [n, Cout, oh, ow].
// grad_x [n, Cin, h, w]; grad_weight [Cin, Cout/g, kh, kw] and grad_bias [Cout] are overwritten.
void conv_transpose2d_backward_input(const ConvTranspose2dParams& p, const float* weight, const float* grad_y,
                                     int64_t n, int64_t h, int64_t w, float* grad_x);
void conv_transpose2d_backward_params(const ConvTranspose2dParams& p, const float* x, const float* grad_y, int64_t n,
                                      int64_t h, int64_t w, float* grad_weight, float* grad_bias);

void conv_transpose2d_ref(const ConvTranspose2dParams& p, const float* x, int64_t n, int64_t h, int64_t w,
                          const float* weight, const float* bias, float* y);

}  // namespace cnnengine
