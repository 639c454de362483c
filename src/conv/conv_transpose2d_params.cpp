#include "conv/conv_transpose2d_params.h"

#include <stdexcept>
#include <string>

namespace cnnengine {

Conv2dParams ConvTranspose2dParams::adjoint() const {
    Conv2dParams p;
    p.in_channels = out_channels;
    p.out_channels = in_channels;
    p.kernel_h = kernel_h;
    p.kernel_w = kernel_w;
    p.stride_h = stride_h;
    p.stride_w = stride_w;
    p.pad_top = pad_top;
    p.pad_left = pad_left;
    p.pad_bottom = pad_bottom;
    p.pad_right = pad_right;
    p.dilation_h = dilation_h;
    p.dilation_w = dilation_w;
    p.groups = groups;
    return p;
}

void ConvTranspose2dParams::validate() const {
    adjoint().validate();  // channels, kernel, stride, dilation, groups and padding as for a conv
    if (output_padding_h < 0 || output_padding_w < 0 ||
        (output_padding_h >= stride_h && output_padding_h >= dilation_h) ||
        (output_padding_w >= stride_w && output_padding_w >= dilation_w))
        throw std::invalid_argument("conv_transpose2d: output_padding must be >= 0 and smaller than stride or dilation");
}

void ConvTranspose2dParams::validate_input(int64_t channels, int64_t h, int64_t w) const {
    if (channels != in_channels)
        throw std::invalid_argument("conv_transpose2d: input has " + std::to_string(channels) +
                                    " channels, the weight expects " + std::to_string(in_channels));
    if (output_h(h) < 1 || output_w(w) < 1)
        throw std::invalid_argument("conv_transpose2d: input " + std::to_string(h) + "x" + std::to_string(w) +
                                    " gives an empty output (" + std::to_string(output_h(h)) + "x" +
                                    std::to_string(output_w(w)) + ")");
}

}  // namespace cnnengine
