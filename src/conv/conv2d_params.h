// Hyper-parameters of a 2-D convolution (PyTorch semantics, NCHW input, weight
// [Cout, Cin/groups, kh, kw]) with asymmetric padding (top, left, bottom, right).
#pragma once

#include <cstdint>

namespace cnnengine {

// Output positions o in [begin, end) of [0, out) whose input position o * stride + shift lies in [0, in).
struct InsideOutputs {
    int64_t begin, end;
};
inline InsideOutputs inside_outputs(int64_t shift, int64_t stride, int64_t in, int64_t out) {
    const auto clip = [out](int64_t v) { return v < 0 ? 0 : v > out ? out : v; };
    const int64_t begin = clip(shift >= 0 ? 0 : (-shift + stride - 1) / stride);
    const int64_t end = clip(in - shift <= 0 ? 0 : (in - shift + stride - 1) / stride);
    return {begin, end < begin ? begin : end};
}

struct Conv2dParams {
    int64_t in_channels = 0, out_channels = 0;
    int64_t kernel_h = 1, kernel_w = 1;
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    int64_t dilation_h = 1, dilation_w = 1;
    int64_t groups = 1;

    int64_t in_per_group() const { return in_channels / groups; }
    int64_t out_per_group() const { return out_channels / groups; }
    // GEMM depth of one group: Cin/groups * kh * kw.
    int64_t depth() const { return in_per_group() * kernel_h * kernel_w; }
    int64_t output_h(int64_t h) const { return (h + pad_top + pad_bottom - dilation_h * (kernel_h - 1) - 1) / stride_h + 1; }
    int64_t output_w(int64_t w) const { return (w + pad_left + pad_right - dilation_w * (kernel_w - 1) - 1) / stride_w + 1; }
    // 1x1, stride 1, no padding: the GEMM's B is the input itself.
    bool is_pointwise() const {
        return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_top == 0 && pad_left == 0 &&
               pad_bottom == 0 && pad_right == 0;
    }

    // Throws std::invalid_argument naming the first inconsistent value.
    void validate() const;
    // Throws std::invalid_argument when an h x w input gives an empty output.
    void validate_input(int64_t channels, int64_t h, int64_t w) const;
};

}  // namespace cnnengine
