// 2-D pooling on NCHW float32: max, average and adaptive average, with PyTorch's output shapes
// and window rules (torch.nn.functional.max_pool2d / avg_pool2d / adaptive_avg_pool2d).
// Every N*C plane is pooled independently, so kernels see `planes` maps of in_h x in_w.
// Optimized kernels: max_pool2d.cpp, avg_pool2d.cpp, adaptive_avg_pool2d.cpp; their plain-loop
// reference twins (*_ref): pool2d_ref.cpp. Geometry and parameter checks: pool2d_shape.cpp.
#pragma once

#include <cstdint>

namespace cnnengine {

// Window parameters as (h, w) pairs. Padding is implicit: -inf for max, 0 for average. It may
// differ at the two ends of an axis (ONNX pads, TensorFlow SAME): top/left before the input,
// bottom/right after it.
struct Pool2dParams {
    int64_t kernel_h = 1, kernel_w = 1;
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    int64_t dilation_h = 1, dilation_w = 1;  // average pooling requires 1
    bool ceil_mode = false;
    bool count_include_pad = true;  // average pooling only: padding counts in the divisor
};

// `planes` (N*C) maps of in_h x in_w pooled into out_h x out_w.
struct Pool2dShape {
    int64_t planes = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
};

// PyTorch's pooling_output_shape with padding pad_begin + pad_end: floor (or ceil) of the window
// count, and with ceil_mode the last window must start inside the input or the begin padding.
// May be <= 0 (too small).
int64_t pool2d_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                           int64_t dilation, bool ceil_mode);

// Checks `p` for operation `op` ("max_pool2d", "avg_pool2d": kernel, stride, dilation >= 1,
// 0 <= each padding <= kernel / 2, output >= 1 x 1) and returns the shape. Throws
// std::invalid_argument naming the operation, the parameter and its value.
Pool2dShape pool2d_shape(const char* op, int64_t planes, int64_t in_h, int64_t in_w, const Pool2dParams& p);

// Same for adaptive pooling: out_h, out_w >= 1.
Pool2dShape adaptive_pool2d_shape(const char* op, int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h,
                                  int64_t out_w);

// y[planes][out_h][out_w] from x[planes][in_h][in_w]; `s` comes from pool2d_shape with the same `p`.
// Threaded over planes. NaN inputs: max pooling does not promise to propagate them.
void max_pool2d(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p);
void avg_pool2d(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p);
// Window of output i along an axis: [floor(i * in / out), ceil((i + 1) * in / out)).
void adaptive_avg_pool2d(const float* x, float* y, const Pool2dShape& s);

// Reference twins: single-threaded plain loops over every window, double accumulation.
void max_pool2d_ref(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p);
void avg_pool2d_ref(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p);
void adaptive_avg_pool2d_ref(const float* x, float* y, const Pool2dShape& s);

}  // namespace cnnengine
