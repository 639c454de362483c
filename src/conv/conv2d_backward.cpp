#include "conv/conv2d_backward.h"

#include <algorithm>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/parallel_ranges.h"
#include "common/threading.h"
#include "conv/depthwise_conv2d.h"
#include "conv/col2im.h"
#include "conv/conv2d_data_grad_slices.h"
#include "conv/conv2d_weight_grad_dot.h"
#include "conv/im2row_packer.h"
#include "elementwise/channel_sum.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

namespace {

// Per-thread scratch of at least `count` floats, reused across calls.
float* thread_scratch(std::vector<float>& storage, int64_t count) {
    if (static_cast<int64_t>(storage.size()) < count) storage.resize(static_cast<size_t>(count));
    return storage.data();
}

void bias_grad(const float* dy, int64_t n, int64_t channels, int64_t pixels, float* db) {
    parallel_for(channels, threads_for(static_cast<double>(n) * channels * pixels, channels),
                 [&](int64_t c) { db[c] = static_cast<float>(channel_sum(dy, n, channels, pixels, c)); });
}

// dW_g += dy_g [Cout/g x images*pixels] * im2row [images*pixels x K] for images [b0, b1): the
// dy planes of those images side by side form A, so small maps still give a deep GEMM.
void weight_grad_images(const Conv2dParams& p, const float* x, int64_t b0, int64_t b1, int64_t g, int64_t h,
                        int64_t w, const float* dy, float* dw_g) {
    const int64_t pixels = p.output_h(h) * p.output_w(w), rows = p.out_per_group(), depth = p.depth();
    const int64_t span = (b1 - b0) * pixels;
    thread_local std::vector<float> dy_storage;
    float* dy_rows = thread_scratch(dy_storage, rows * span);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t b = b0; b < b1; ++b)
            std::copy_n(dy + (b * p.out_channels + g * rows + r) * pixels, pixels, dy_rows + r * span + (b - b0) * pixels);
    const ScratchPackedA packed_dy(dy_rows, span, rows, span);
    const Im2rowBPacker patches(p, x + (b0 * p.in_channels + g * p.in_per_group()) * h * w, p.in_channels * h * w,
                                h, w);
    GemmOutput out;
    out.c = dw_g;
    out.ldc = depth;
    out.accumulate = true;
    sgemm_range(packed_dy.get(), GemmB{&patches, nullptr, depth}, out, GemmRange{0, rows, 0, depth});
}

// dx_g += col2im(W_g^T [K x Cout/g] * dy_g [Cout/g x pixels]); a 1x1 stride-1 unpadded conv's
// product is dx_g itself.
void data_grad_image(const Conv2dParams& p, const PackedA& weight_t, const float* dy_g, int64_t h, int64_t w,
                     float* dx_g) {
    const int64_t pixels = p.output_h(h) * p.output_w(w);
    thread_local std::vector<float> col_storage;
    const bool direct = p.is_pointwise();
    GemmOutput out;
    out.c = direct ? dx_g : thread_scratch(col_storage, p.depth() * pixels);
    out.ldc = pixels;
    const MatrixBPacker dy_matrix(dy_g, pixels);
    sgemm_range(weight_t, GemmB{&dy_matrix, nullptr, pixels}, out, GemmRange{0, p.depth(), 0, pixels});
    if (!direct) col2im_add(p, out.c, h, w, dx_g);
}

void backward_gemm(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                   const float* dy, const Conv2dGrads& grads) {
    const int64_t pixels = p.output_h(h) * p.output_w(w);
    const int64_t rows = p.out_per_group(), depth = p.depth(), cin_g = p.in_per_group();
    const int64_t weight_count = p.out_channels * depth;
    const double macs = static_cast<double>(n) * p.out_channels * pixels * depth * 2.0;
    // One slice of consecutive images per thread, each with its own dW accumulator (the first
    // slice's is dW itself): the sums do not depend on which thread ran what.
    const int slices = threads_for(macs, n);
    // Images per weight-gradient GEMM: enough for one full K block of the driver.
    const int64_t images_per_gemm = std::max<int64_t>(1, kGemmMaxKC / pixels);
    AlignedBuffer dw_partial(grads.dw ? static_cast<size_t>((slices - 1) * weight_count) : 0);
    const auto slice_dw = [&](int64_t slice) {
        return slice == 0 ? grads.dw : dw_partial.data() + (slice - 1) * weight_count;
    };
    // dx: by slices (stride 1, few outputs per group: weights rearranged once per group) or
    // W_g^T [K x Cout/g] packed once per group; either is shared by every image.
    const bool dx_by_slices = grads.dx && data_grad_by_slices(p);
    std::vector<std::vector<float>> slice_weights;
    std::vector<PackedA> weight_t;
    for (int64_t g = 0; g < p.groups && dx_by_slices; ++g) slice_weights.push_back(data_grad_slice_weights(p, weight, g));
    if (grads.dx && !dx_by_slices) {
        std::fill(grads.dx, grads.dx + n * p.in_channels * h * w, 0.0f);
        std::vector<float> transposed(static_cast<size_t>(depth * rows));
        for (int64_t g = 0; g < p.groups; ++g) {
            const float* weight_g = weight + g * rows * depth;
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t k = 0; k < depth; ++k) transposed[k * rows + r] = weight_g[r * depth + k];
            weight_t.emplace_back(transposed.data(), rows, depth, rows);
        }
    }

    parallel_for(slices, slices, [&](int64_t slice) {
        const int64_t first = n * slice / slices, last = n * (slice + 1) / slices;
        if (grads.dw) std::fill_n(slice_dw(slice), weight_count, 0.0f);  // first touch by its thread
        for (int64_t g = 0; g < p.groups && grads.dw; ++g) {
            float* dw_g = slice_dw(slice) + g * rows * depth;
            if (weight_grad_by_dot(p)) {
                conv2d_weight_grad_dot(p, x, first, last, g, h, w, dy, dw_g);
                continue;
            }
            for (int64_t b = first; b < last; b += images_per_gemm)
                weight_grad_images(p, x, b, std::min(last, b + images_per_gemm), g, h, w, dy, dw_g);
        }
        for (int64_t g = 0; g < p.groups && dx_by_slices; ++g)
            conv2d_data_grad_slices(p, slice_weights[g].data(), dy, first, last, g, h, w, grads.dx);
        for (int64_t b = first; b < last && grads.dx && !dx_by_slices; ++b)
            for (int64_t g = 0; g < p.groups; ++g)
                data_grad_image(p, weight_t[g], dy + (b * p.out_channels + g * rows) * pixels, h, w,
                                grads.dx + (b * p.in_channels + g * cin_g) * h * w);
    });

    if (grads.dw && slices > 1)
        parallel_element_ranges(weight_count, [&](int64_t begin, int64_t end) {
            for (int t = 1; t < slices; ++t) {
                const float* partial = slice_dw(t);
                for (int64_t i = begin; i < end; ++i) grads.dw[i] += partial[i];
            }
        });
}

// Depthwise: input channel ci feeds output channels [ci*m, ci*m + m) (channel multiplier m).
void backward_depthwise(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w,
                        const float* weight, const float* dy, const Conv2dGrads& grads) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w), taps = p.kernel_h * p.kernel_w;
    const int64_t multiplier = p.out_per_group();
    const double macs = static_cast<double>(n) * p.out_channels * oh * ow * taps * 2.0;
    parallel_for(p.in_channels, threads_for(macs, p.in_channels), [&](int64_t ci) {
        float* dx_planes = grads.dx ? grads.dx + ci * h * w : nullptr;
        if (dx_planes)
            for (int64_t b = 0; b < n; ++b) std::fill_n(dx_planes + b * p.in_channels * h * w, h * w, 0.0f);
        for (int64_t co = ci * multiplier; co < (ci + 1) * multiplier; ++co) {
            const float* kernel = weight + co * taps;
            std::vector<double> dw(static_cast<size_t>(taps), 0.0);
            for (int64_t b = 0; b < n; ++b) {
                const float* in = x + (b * p.in_channels + ci) * h * w;
                float* din = dx_planes ? dx_planes + b * p.in_channels * h * w : nullptr;
                const float* g = dy + (b * p.out_channels + co) * oh * ow;
                for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
                    for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                        const float wv = kernel[ky * p.kernel_w + kx];
                        float tap_sum = 0.0f;
                        for (int64_t oy = 0; oy < oh; ++oy) {
                            const int64_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
                            if (iy < 0 || iy >= h) continue;
                            for (int64_t ox = 0; ox < ow; ++ox) {
                                const int64_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
                                if (ix < 0 || ix >= w) continue;
                                const float gv = g[oy * ow + ox];
                                tap_sum += gv * in[iy * w + ix];
                                if (din) din[iy * w + ix] += gv * wv;
                            }
                        }
                        dw[ky * p.kernel_w + kx] += tap_sum;
                    }
                }
            }
            if (grads.dw)
                for (int64_t t = 0; t < taps; ++t) grads.dw[co * taps + t] = static_cast<float>(dw[t]);
        }
    });
}

}  // namespace

void conv2d_backward(const Conv2dParams& p, const float* x, int64_t n, int64_t h, int64_t w, const float* weight,
                     const float* dy, const Conv2dGrads& grads) {
    if (grads.db) bias_grad(dy, n, p.out_channels, p.output_h(h) * p.output_w(w), grads.db);
    if (!grads.dx && !grads.dw) return;
    if (is_depthwise(p))
        backward_depthwise(p, x, n, h, w, weight, dy, grads);
    else
        backward_gemm(p, x, n, h, w, weight, dy, grads);
}

}  // namespace cnnengine
