// 3x3 stride-1 convolution by Winograd minimal filtering F(m x m, 3 x 3), m = 2, 4 or 6 (Lavin &
// Gray 2015; matrices in winograd_matrices.h). With alpha = m + 2, a conv becomes alpha^2 GEMMs:
//     M[xi] [Cout x tiles] = U[xi] [Cout x Cin] * V[xi] [Cin x tiles]
// U = G g GT is computed and packed (PackedA) once when the layer is built. Per block of output
// tiles, one task transforms the input (V, straight into packed-B panels), runs the alpha^2 GEMMs on
// the SGEMM micro-kernel and transforms back (Y = AT M A) with the fused epilogue (bias, residual,
// ReLU), so V and M stay in the thread's L2. Tasks are spread over images, tile blocks and, when
// those are too few for the threads, output-channel ranges. Reference: conv3x3_winograd_ref.h.
#pragma once

#include <vector>

#include "conv/conv2d_params.h"
#include "gemm/pack.h"

namespace cnnengine {

// 3x3, stride 1, dilation 1, one group (any padding).
bool winograd_applicable(const Conv2dParams& params);

class Conv3x3Winograd {
public:
    Conv3x3Winograd() = default;
    // weight [Cout, Cin, 3, 3]; tile m in {2, 4, 6}. Throws std::invalid_argument.
    Conv3x3Winograd(const Conv2dParams& params, int tile, const float* weight);

    int tile() const { return tile_; }

    // x: [n, Cin, h, w] -> y: [n, Cout, OH, OW] = relu?(conv(x) + bias + residual).
    void forward(const float* x, int64_t n, int64_t h, int64_t w, const float* bias, const float* residual,
                 bool relu, float* y) const;

private:
    Conv2dParams params_;
    int tile_ = 0;
    std::vector<PackedA> transformed_;  // U[xi], one per element of the alpha x alpha tile
};

}  // namespace cnnengine
