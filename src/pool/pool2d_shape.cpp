// Pooling geometry: PyTorch's output-size rule and the parameter checks shared by every pooling
// kernel and its reference twin (pool2d.h).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "pool/pool2d.h"

namespace cnnengine {

namespace {

constexpr int64_t kMaxParam = 2147483647;  // keeps every window product far from int64 overflow

std::string pair_string(int64_t h, int64_t w) {
    return "(" + std::to_string(h) + ", " + std::to_string(w) + ")";
}

// Checked on every pooling call: the message is built only when the check fails.
template <typename MakeMessage>
void require(bool condition, const char* op, MakeMessage&& make_message) {
    if (!condition) throw std::invalid_argument(std::string(op) + ": " + make_message());
}

void require_in_range(const char* op, const char* name, int64_t h, int64_t w, int64_t low) {
    require(h >= low && w >= low && h <= kMaxParam && w <= kMaxParam, op, [&] {
        return std::string(name) + " must be in [" + std::to_string(low) + ", " + std::to_string(kMaxParam) +
               "], got " + pair_string(h, w);
    });
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }


std::string padding_string(const Pool2dParams& p) {
    return "(" + std::to_string(p.pad_top) + ", " + std::to_string(p.pad_left) + ", " + std::to_string(p.pad_bottom) +
           ", " + std::to_string(p.pad_right) + ")";
}

}  // namespace

int64_t pool2d_output_size(int64_t input, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                           int64_t dilation, bool ceil_mode) {
    const int64_t span = input + pad_begin + pad_end - dilation * (kernel - 1) - 1;
    int64_t out = floor_div(span + (ceil_mode ? stride - 1 : 0), stride) + 1;
    if (ceil_mode && (out - 1) * stride >= input + pad_begin) --out;
    return out;
}

Pool2dShape pool2d_shape(const char* op, int64_t planes, int64_t in_h, int64_t in_w, const Pool2dParams& p) {
    require_in_range(op, "kernel_size", p.kernel_h, p.kernel_w, 1);
    require_in_range(op, "stride", p.stride_h, p.stride_w, 1);
    require_in_range(op, "dilation", p.dilation_h, p.dilation_w, 1);
    require_in_range(op, "padding", p.pad_top, p.pad_left, 0);
    require_in_range(op, "padding", p.pad_bottom, p.pad_right, 0);
    require(std::max(p.pad_top, p.pad_bottom) <= p.kernel_h / 2 && std::max(p.pad_left, p.pad_right) <= p.kernel_w / 2,
            op, [&] {
                return "padding must be at most half of kernel_size, got padding " + padding_string(p) +
                       " and kernel_size " + pair_string(p.kernel_h, p.kernel_w);
            });
    Pool2dShape s{planes, in_h, in_w,
                  pool2d_output_size(in_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h, p.ceil_mode),
                  pool2d_output_size(in_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right, p.dilation_w, p.ceil_mode)};
    require(s.out_h >= 1 && s.out_w >= 1, op, [&] {
        return "output size is too small: input " + pair_string(in_h, in_w) + " with kernel_size " +
               pair_string(p.kernel_h, p.kernel_w) + ", stride " + pair_string(p.stride_h, p.stride_w) +
               ", padding " + padding_string(p) + ", dilation " + pair_string(p.dilation_h, p.dilation_w) +
               " gives " + pair_string(s.out_h, s.out_w);
    });
    return s;
}

Pool2dShape adaptive_pool2d_shape(const char* op, int64_t planes, int64_t in_h, int64_t in_w, int64_t out_h,
                                  int64_t out_w) {
    require_in_range(op, "output_size", out_h, out_w, 1);
    return Pool2dShape{planes, in_h, in_w, out_h, out_w};
}

}  // namespace cnnengine
