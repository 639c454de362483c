// Conv2d with weights prepared once: the algorithm is chosen from the shape when the layer is
// built, and forward() runs it with the fused epilogue y = relu?(conv(x) + bias + residual).
//   gemm_1x1         1x1, stride 1, no padding: B is the input itself (no im2col)
//   gemm_im2col      everything else: im2col fused into B packing (im2col_packer.h)
//   depthwise_direct groups == in_channels (depthwise_conv2d.h)
// GEMM per image and group: C[Cout/g x OH*OW] = W_g[Cout/g x K] * B[K x OH*OW], rows of C are
// NCHW output planes. Reference: conv2d_ref.
#pragma once

#include <vector>

#include "conv/conv2d_params.h"
#include "gemm/pack.h"

namespace cnnengine {

enum class ConvAlgorithm { gemm_1x1, gemm_im2col, depthwise_direct };

const char* conv_algorithm_name(ConvAlgorithm algorithm);

class Conv2d {
public:
    // weight [Cout, Cin/groups, kh, kw]; bias [Cout] or null. Throws std::invalid_argument.
    Conv2d(const Conv2dParams& params, const float* weight, const float* bias);

    const Conv2dParams& params() const { return params_; }
    ConvAlgorithm algorithm() const { return algorithm_; }

    // x: [n, Cin, h, w]; y and residual (optional): [n, Cout, OH, OW]. The caller has checked
    // the input with params().validate_input().
    void forward(const float* x, int64_t n, int64_t h, int64_t w, float* y, const float* residual, bool relu) const;

private:
    void forward_gemm(const float* x, int64_t n, int64_t h, int64_t w, float* y, const float* residual,
                      bool relu) const;

    Conv2dParams params_;
    ConvAlgorithm algorithm_;
    std::vector<PackedA> packed_groups_;  // GEMM paths: one packed weight matrix per group
    std::vector<float> weight_;           // depthwise path: the weights as given
    std::vector<float> bias_;             // empty when the layer has no bias
};

}  // namespace cnnengine
