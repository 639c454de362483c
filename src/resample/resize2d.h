// Spatial resize of NCHW planes (ONNX Resize / Upsample, torch.nn.Upsample / F.interpolate):
// nearest or (bi)linear, with the ONNX coordinate transformation modes
//   half_pixel          x_src = (x + 0.5) / scale - 0.5
//   pytorch_half_pixel  the same, but 0 when the output has length 1
//   align_corners       x_src = x * (in - 1) / (out - 1)          (0 when out == 1)
//   asymmetric          x_src = x / scale                          (torch "nearest")
// and the nearest rounding modes. Linear clamps x_src to [0, in - 1] and blends the two nearest
// source pixels, as ONNX Runtime and PyTorch do. `scale` is out / in unless the model gives one.
//
// Resizing is separable: each output row and column reads at most two source rows / columns
// with weights (1 - t, t); resize_axis_taps builds that table once per axis and the kernels walk
// it. Backward scatters the output gradient through the same taps. Reference: resize2d_ref
// (per pixel, source coordinates recomputed, double precision).
#pragma once

#include <cstdint>
#include <vector>

namespace cnnengine {

enum class ResizeMode { nearest, linear };
enum class CoordinateMode { half_pixel, pytorch_half_pixel, align_corners, asymmetric };
enum class NearestRounding { round_prefer_floor, round_prefer_ceil, floor, ceil };

struct ResizeSpec {
    ResizeMode mode = ResizeMode::nearest;
    CoordinateMode coordinates = CoordinateMode::asymmetric;
    NearestRounding rounding = NearestRounding::floor;
};

// The source coordinate of output index `x` on an axis of length in -> out (before rounding).
double resize_source_coordinate(CoordinateMode mode, int64_t x, int64_t in, int64_t out, double scale);

// Output index i reads source indices lo[i] and hi[i] with weights 1 - t[i] and t[i].
struct AxisTaps {
    std::vector<int64_t> lo, hi;
    std::vector<float> t;
};

AxisTaps resize_axis_taps(const ResizeSpec& spec, int64_t in, int64_t out, double scale);

// x: planes x h x w -> y: planes x oh x ow.
void resize2d(const ResizeSpec& spec, const float* x, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
              double scale_h, double scale_w, float* y);
// grad_x (planes x h x w, overwritten) from grad_y (planes x oh x ow).
void resize2d_backward(const ResizeSpec& spec, const float* grad_y, int64_t planes, int64_t h, int64_t w, int64_t oh,
                       int64_t ow, double scale_h, double scale_w, float* grad_x);
void resize2d_ref(const ResizeSpec& spec, const float* x, int64_t planes, int64_t h, int64_t w, int64_t oh,
                  int64_t ow, double scale_h, double scale_w, float* y);

}  // namespace cnnengine
