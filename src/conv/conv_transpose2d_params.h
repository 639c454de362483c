// Hyper-parameters of a 2-D transposed convolution (PyTorch ConvTranspose2d / ONNX ConvTranspose):
// weight [Cin, Cout/groups, kh, kw]; output size (h - 1) * stride - pad_begin - pad_end +
// dilation * (k - 1) + output_padding + 1. Padding may be asymmetric (ONNX pads / auto_pad).
#pragma once

#include <cstdint>

#include "conv/conv2d_params.h"

namespace cnnengine {

struct ConvTranspose2dParams {
    int64_t in_channels = 0, out_channels = 0;
    int64_t kernel_h = 1, kernel_w = 1;
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    int64_t output_padding_h = 0, output_padding_w = 0;
    int64_t dilation_h = 1, dilation_w = 1;
    int64_t groups = 1;

    int64_t in_per_group() const { return in_channels / groups; }
    int64_t out_per_group() const { return out_channels / groups; }
    int64_t output_h(int64_t h) const {
        return (h - 1) * stride_h - pad_top - pad_bottom + dilation_h * (kernel_h - 1) + output_padding_h + 1;
    }
    int64_t output_w(int64_t w) const {
        return (w - 1) * stride_w - pad_left - pad_right + dilation_w * (kernel_w - 1) + output_padding_w + 1;
    }
    // The convolution whose input gradient this layer computes (the same weight tensor read as
    // [Cout_conv = Cin, Cin_conv / groups = Cout / groups, kh, kw]); its backward input is ours.
    Conv2dParams adjoint() const;

    // Throws std::invalid_argument naming the first inconsistent value.
    void validate() const;
    void validate_input(int64_t channels, int64_t h, int64_t w) const;
};

}  // namespace cnnengine
