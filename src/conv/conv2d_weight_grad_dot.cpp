#include "conv/conv2d_weight_grad_dot.h"

#include <algorithm>
#include <vector>

#include "conv/weight_grad_dot.h"

namespace cnnengine {

namespace {

constexpr int64_t kPositionsPerRun = 1024;  // a multiple of kDotLanes

float* grown(std::vector<float>& storage, int64_t count) {
    if (static_cast<int64_t>(storage.size()) < count) storage.resize(static_cast<size_t>(count));
    return storage.data();
}

}  // namespace

bool weight_grad_by_dot(const Conv2dParams& p) {
    return p.stride_h == 1 && p.stride_w == 1 && p.out_per_group() <= kWeightGradDotMaxRows;
}

void conv2d_weight_grad_dot(const Conv2dParams& p, const float* x, int64_t b0, int64_t b1, int64_t g, int64_t h,
                            int64_t w, const float* dy, float* dw_g) {
    const int64_t rows = p.out_per_group(), cin_g = p.in_per_group(), taps = p.depth();
    const int64_t out_h = p.output_h(h), out_w = p.output_w(w);
    const int64_t padded_w = p.pad_left + w + p.pad_right;
    const int64_t length = (out_h * padded_w + kDotLanes - 1) / kDotLanes * kDotLanes;  // j runs over [0, length)
    // Each padded plane also holds what the last tap reads past its last row (zeros).
    const int64_t reach = (p.kernel_h - 1) * p.dilation_h * padded_w + (p.kernel_w - 1) * p.dilation_w;
    const int64_t plane = std::max((p.pad_top + h + p.pad_bottom) * padded_w, reach + length);

    thread_local std::vector<float> padded_storage, dy_storage, lane_storage;
    thread_local std::vector<int64_t> offsets;
    float* padded = grown(padded_storage, cin_g * plane);
    float* dy_rows = grown(dy_storage, rows * length);
    float* lanes = grown(lane_storage, rows * taps * kDotLanes);
    std::fill_n(padded, cin_g * plane, 0.0f);  // borders stay zero; interiors are overwritten per image
    std::fill_n(dy_rows, rows * length, 0.0f);  // so do the columns ox >= OW and the tail
    std::fill_n(lanes, rows * taps * kDotLanes, 0.0f);
    offsets.resize(static_cast<size_t>(taps));
    for (int64_t t = 0; t < taps; ++t) {
        const int64_t ci = t / (p.kernel_h * p.kernel_w), ky = t / p.kernel_w % p.kernel_h, kx = t % p.kernel_w;
        offsets[t] = ci * plane + ky * p.dilation_h * padded_w + kx * p.dilation_w;
    }
    const WeightGradDot dot = active_weight_grad_dot();
    for (int64_t b = b0; b < b1; ++b) {
        const float* image = x + (b * p.in_channels + g * cin_g) * h * w;
        for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t iy = 0; iy < h; ++iy)
                std::copy_n(image + (ci * h + iy) * w, w, padded + ci * plane + (p.pad_top + iy) * padded_w + p.pad_left);
        const float* dy_g = dy + (b * p.out_channels + g * rows) * out_h * out_w;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t oy = 0; oy < out_h; ++oy)
                std::copy_n(dy_g + (r * out_h + oy) * out_w, out_w, dy_rows + r * length + oy * padded_w);
        // In runs of positions whose dy rows and input slices stay in L2 together (a large image's
        // planes would otherwise be streamed from memory once per block of rows and taps).
        for (int64_t j = 0; j < length; j += kPositionsPerRun)
            dot(dy_rows + j, length, rows, padded + j, offsets.data(), taps, std::min(kPositionsPerRun, length - j),
                lanes);
    }
    for (int64_t i = 0; i < rows * taps; ++i) {
        float sum = 0.0f;
        for (int64_t l = 0; l < kDotLanes; ++l) sum += lanes[i * kDotLanes + l];
        dw_g[i] += sum;
    }
}

}  // namespace cnnengine
