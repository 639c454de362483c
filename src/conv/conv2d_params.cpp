#include "conv/conv2d_params.h"

#include <stdexcept>
#include <string>

namespace cnnengine {

namespace {

void require_positive(int64_t value, const char* name) {
    if (value < 1) throw std::invalid_argument(std::string("conv2d: ") + name + " must be >= 1, got " + std::to_string(value));
}

}  // namespace

void Conv2dParams::validate() const {
    require_positive(groups, "groups");
    require_positive(in_channels, "in_channels");
    require_positive(out_channels, "out_channels");
    require_positive(kernel_h, "kernel height");
    require_positive(kernel_w, "kernel width");
    require_positive(stride_h, "stride height");
    require_positive(stride_w, "stride width");
    require_positive(dilation_h, "dilation height");
    require_positive(dilation_w, "dilation width");
    if (pad_top < 0 || pad_left < 0 || pad_bottom < 0 || pad_right < 0)
        throw std::invalid_argument("conv2d: padding must be >= 0");
    if (in_channels % groups != 0 || out_channels % groups != 0)
        throw std::invalid_argument("conv2d: in_channels (" + std::to_string(in_channels) + ") and out_channels (" +
                                    std::to_string(out_channels) + ") must be divisible by groups (" +
                                    std::to_string(groups) + ")");
}

void Conv2dParams::validate_input(int64_t channels, int64_t h, int64_t w) const {
    if (channels != in_channels)
        throw std::invalid_argument("conv2d: input has " + std::to_string(channels) + " channels, the weight expects " +
                                    std::to_string(in_channels));
    if (output_h(h) < 1 || output_w(w) < 1)
        throw std::invalid_argument("conv2d: input " + std::to_string(h) + "x" + std::to_string(w) +
                                    " is smaller than the dilated kernel plus padding (output would be " +
                                    std::to_string(output_h(h)) + "x" + std::to_string(output_w(w)) + ")");
}

}  // namespace cnnengine
