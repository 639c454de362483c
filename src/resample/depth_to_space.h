// DepthToSpace (ONNX) / PixelShuffle (PyTorch) on NCHW: x [n, c * b * b, h, w] -> y [n, c, h * b, w * b]
// with y[n, k, y * b + i, x * b + j] = x[n, source_channel(k, i, j), y, x] where
//   CRD (PyTorch PixelShuffle):  source_channel = (k * b + i) * b + j
//   DCR (ONNX default):          source_channel = (i * b + j) * c + k
// The inverse (SpaceToDepth, PixelUnshuffle) is the backward pass. Pure data movement.
#pragma once

#include <cstdint>

namespace cnnengine {

enum class DepthToSpaceMode { dcr, crd };

// x: [n, c * block^2, h, w] -> y: [n, c, h * block, w * block]; c is the output channel count.
void depth_to_space(DepthToSpaceMode mode, const float* x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t block,
                    float* y);
// The inverse: y [n, c, h * block, w * block] -> x [n, c * block^2, h, w] (the gradient of depth_to_space).
void space_to_depth(DepthToSpaceMode mode, const float* y, int64_t n, int64_t c, int64_t h, int64_t w, int64_t block,
                    float* x);

}  // namespace cnnengine
