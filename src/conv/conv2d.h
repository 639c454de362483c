// Conv2d with weights prepared once for one algorithm, chosen when the layer is built (by name, or
// from the shape alone), and forward() runs it with the fused epilogue
// y = activation?(relu?(conv(x) + bias + residual)): the clamp-shaped activations (leaky_relu,
// hard_sigmoid, hard_swish, clip) are applied by the kernels as they store their outputs, the
// others (and every activation on the Winograd paths) after the kernel, on its output.
//   gemm_1x1         1x1, stride 1, no padding: B is the input itself (no im2col)
//   gemm_im2col      any shape: im2col fused into B packing (im2col_packer.h)
//   depthwise_direct groups == in_channels (depthwise_conv2d.h)
//   direct_wide      one group, few taps per output, e.g. a 3-channel stem (direct_conv2d_wide.h)
//   winograd_f23/f43/f63  3x3 stride 1: Winograd F(2,3)/F(4,3)/F(6,3) (conv3x3_winograd.h)
// GEMM per image and group: C[Cout/g x OH*OW] = W_g[Cout/g x K] * B[K x OH*OW], rows of C are
// NCHW output planes. Reference: conv2d_ref.
#pragma once

#include <string>
#include <vector>

#include "conv/conv2d_params.h"
#include "conv/conv3x3_winograd.h"
#include "elementwise/activation.h"
#include "gemm/pack.h"

namespace cnnengine {

enum class ConvAlgorithm {
    gemm_1x1, gemm_im2col, depthwise_direct, winograd_f23, winograd_f43, winograd_f63, direct_wide
};

const char* conv_algorithm_name(ConvAlgorithm algorithm);

// The algorithm a request names for this shape: "default" (depthwise_direct, direct_wide, gemm_1x1
// or gemm_im2col by shape), "gemm" (gemm_1x1 or gemm_im2col), or any name conv_algorithm_name gives.
// Throws std::invalid_argument for an unknown name or one the shape cannot run.
ConvAlgorithm resolve_conv_algorithm(const Conv2dParams& params, const std::string& request);

class Conv2d {
public:
    // weight [Cout, Cin/groups, kh, kw]; bias [Cout] or null. Throws std::invalid_argument.
    Conv2d(const Conv2dParams& params, const float* weight, const float* bias, ConvAlgorithm algorithm);

    const Conv2dParams& params() const { return params_; }
    ConvAlgorithm algorithm() const { return algorithm_; }

    // x: [n, Cin, h, w]; y and residual (optional): [n, Cout, OH, OW]; activation optional. The
    // caller has checked the input with params().validate_input(). y may be the residual itself
    // (then the sum is formed in place), never a part of it nor of x.
    void forward(const float* x, int64_t n, int64_t h, int64_t w, float* y, const float* residual, bool relu,
                 const Activation* activation = nullptr) const;
    // True when forward with y == residual forms the sum in place; false when it first copies the
    // residual (the direct kernels), which a memory plan should not ask for.
    bool residual_in_place() const;

private:
    void forward_gemm(const float* x, int64_t n, int64_t h, int64_t w, float* y, const float* residual, bool relu,
                      const Activation* activation) const;

    Conv2dParams params_;
    ConvAlgorithm algorithm_;
    std::vector<PackedA> packed_groups_;  // GEMM paths: one packed weight matrix per group
    std::vector<float> weight_;           // direct paths: the weights as given
    Conv3x3Winograd winograd_;            // Winograd paths
    std::vector<float> bias_;             // empty when the layer has no bias
};

}  // namespace cnnengine
