// Spatial padding of NCHW planes (ONNX Pad over H and W, torch.nn.functional.pad):
//   constant  the border holds `value`
//   reflect   mirror without repeating the edge (needs pad < size)
//   edge      repeat the edge pixel (torch "replicate")
// Pads are (top, left, bottom, right), each >= 0. Pure data movement (no arithmetic twin).
#pragma once

#include <cstdint>

namespace cnnengine {

enum class PadMode { constant, reflect, edge };

struct Pad2d {
    PadMode mode = PadMode::constant;
    int64_t top = 0, left = 0, bottom = 0, right = 0;
    float value = 0.0f;
};

// x: planes x h x w -> y: planes x (h + top + bottom) x (w + left + right).
void pad2d(const Pad2d& pad, const float* x, int64_t planes, int64_t h, int64_t w, float* y);

}  // namespace cnnengine
