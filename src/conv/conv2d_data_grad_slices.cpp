#include "conv/conv2d_data_grad_slices.h"

#include <algorithm>

#include "conv/slice_gemm.h"

namespace cnnengine {

namespace {

constexpr int64_t kPositionsPerRun = 1024;  // a multiple of kSliceGemmColumns

}  // namespace

bool data_grad_by_slices(const Conv2dParams& p) {
    return p.stride_h == 1 && p.stride_w == 1 && p.out_per_group() <= kDataGradSlicesMaxOutputs &&
           p.in_per_group() >= kDataGradSlicesMinInputs;
}

std::vector<float> data_grad_slice_weights(const Conv2dParams& p, const float* weight, int64_t g) {
    const int64_t cout_g = p.out_per_group(), cin_g = p.in_per_group(), taps = p.kernel_h * p.kernel_w;
    std::vector<float> a(static_cast<size_t>(cin_g * cout_g * taps));
    for (int64_t ci = 0; ci < cin_g; ++ci)
        for (int64_t co = 0; co < cout_g; ++co)
            std::copy_n(weight + ((g * cout_g + co) * cin_g + ci) * taps, taps, a.data() + (ci * cout_g + co) * taps);
    return a;
}

void conv2d_data_grad_slices(const Conv2dParams& p, const float* slice_weights, const float* dy, int64_t b0,
                             int64_t b1, int64_t g, int64_t h, int64_t w, float* dx) {
    const int64_t cout_g = p.out_per_group(), cin_g = p.in_per_group(), taps = cout_g * p.kernel_h * p.kernel_w;
    const int64_t out_h = p.output_h(h), out_w = p.output_w(w);
    const int64_t padded_w = p.pad_left + w + p.pad_right;
    // Positions computed: the padded rows that hold input rows, whole (their padding columns are dropped).
    const int64_t length = (h * padded_w + kSliceGemmColumns - 1) / kSliceGemmColumns * kSliceGemmColumns;
    const int64_t margin = (p.kernel_h - 1) * p.dilation_h * padded_w + (p.kernel_w - 1) * p.dilation_w;
    const int64_t first = p.pad_top * padded_w;  // padded position of the first computed one
    const int64_t plane = margin + std::max(out_h * padded_w, first + length);  // one dy channel, with margin

    thread_local std::vector<float> dy_storage, out_storage;
    thread_local std::vector<int64_t> offsets;
    if (static_cast<int64_t>(dy_storage.size()) < cout_g * plane) dy_storage.resize(static_cast<size_t>(cout_g * plane));
    if (static_cast<int64_t>(out_storage.size()) < cin_g * length) out_storage.resize(static_cast<size_t>(cin_g * length));
    float* dy_planes = dy_storage.data();
    float* out = out_storage.data();
    std::fill_n(dy_planes, cout_g * plane, 0.0f);  // margins and the columns ox >= OW stay zero
    offsets.resize(static_cast<size_t>(taps));
    for (int64_t t = 0; t < taps; ++t) {
        const int64_t co = t / (p.kernel_h * p.kernel_w), ky = t / p.kernel_w % p.kernel_h, kx = t % p.kernel_w;
        offsets[t] = co * plane + margin + first - (ky * p.dilation_h * padded_w + kx * p.dilation_w);
    }
    const SliceGemm gemm = active_slice_gemm();
    for (int64_t b = b0; b < b1; ++b) {
        const float* dy_g = dy + (b * p.out_channels + g * cout_g) * out_h * out_w;
        for (int64_t co = 0; co < cout_g; ++co)
            for (int64_t oy = 0; oy < out_h; ++oy)
                std::copy_n(dy_g + (co * out_h + oy) * out_w, out_w, dy_planes + co * plane + margin + oy * padded_w);
        // In runs of positions whose slices stay in L2 (see conv2d_weight_grad_dot.cpp).
        for (int64_t j = 0; j < length; j += kPositionsPerRun)
            gemm(slice_weights, cin_g, taps, dy_planes + j, offsets.data(), std::min(kPositionsPerRun, length - j),
                 out + j, length);
        float* dx_g = dx + (b * p.in_channels + g * cin_g) * h * w;
        for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t iy = 0; iy < h; ++iy)
                std::copy_n(out + ci * length + iy * padded_w + p.pad_left, w, dx_g + (ci * h + iy) * w);
    }
}

}  // namespace cnnengine
