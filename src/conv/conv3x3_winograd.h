// 3x3 stride-1 convolution by Winograd minimal filtering F(m x m, 3 x 3), m = 2, 4 or 6 (Lavin &
// Gray 2015; matrices in winograd_matrices.h). With alpha = m + 2, a conv becomes alpha^2 GEMMs:
//     M[xi] [Cout x tiles] = U[xi] [Cout x Cin] * V[xi] [Cin x tiles]
// U = G g GT is computed straight into packed-A panels when the layer is built (and again by
// load() in training, where the weights change every step). Per block of output
// tiles, one task transforms the input (V, straight into packed-B panels), runs the alpha^2 GEMMs on
// the SGEMM micro-kernel and transforms back (Y = AT M A) with the fused epilogue (bias, residual,
// ReLU), so V and M stay in the thread's L2. Tasks are spread over images, tile blocks and, when
// those are too few for the threads, output-channel ranges, which share their block's V
// (transformed first, 8 tiles per task). Reference: conv3x3_winograd_ref.h.
#pragma once

#include "common/aligned_buffer.h"
#include "conv/conv2d_params.h"
#include "gemm/pack.h"
#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

// 3x3, stride 1, dilation 1, one group (any padding).
bool winograd_applicable(const Conv2dParams& params);

// How the weight array a Winograd conv is built from is laid out.
enum class WinogradWeights {
    as_given,       // [Cout, Cin, 3, 3] of this conv
    data_gradient,  // [Cin, Cout, 3, 3]: a layer's weights, for the conv that maps that layer's dy to
                    // its dx (channel axes swapped, kernel flipped in both spatial axes)
};

class Conv3x3Winograd {
public:
    Conv3x3Winograd() = default;
    // weight as `layout` says; tile m in {2, 4, 6}. Throws std::invalid_argument.
    Conv3x3Winograd(const Conv2dParams& params, int tile, const float* weight,
                    WinogradWeights layout = WinogradWeights::as_given);

    const Conv2dParams& params() const { return params_; }
    int tile() const { return tile_; }
    WinogradWeights layout() const { return layout_; }

    // Transforms new weights of the same shape and layout into this conv's storage.
    void load(const float* weight);

    // x: [n, Cin, h, w] -> y: [n, Cout, OH, OW] = relu?(conv(x) + bias + residual).
    void forward(const float* x, int64_t n, int64_t h, int64_t w, const float* bias, const float* residual,
                 bool relu, float* y) const;

private:
    // Rows [p*MR, p*MR+MR) of U[xi], packed as PackedA's panels.
    const float* u_panel(int64_t xi, int64_t p) const {
        return transformed_.data() + xi * u_xi_stride_ + packed_a_offset(p, params_.in_channels);
    }

    Conv2dParams params_;
    int tile_ = 0;
    WinogradWeights layout_ = WinogradWeights::as_given;
    int64_t u_xi_stride_ = 0;
    AlignedBuffer transformed_;  // U[xi], one packed Cout x Cin matrix per element of the alpha x alpha tile
};

}  // namespace cnnengine
