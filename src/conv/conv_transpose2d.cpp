#include "conv/conv_transpose2d.h"

#include <algorithm>

#include "common/parallel_ranges.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dParams& params, const float* weight, const float* bias)
    : params_(params) {
    params_.validate();
    const int64_t cin_g = params_.in_per_group();
    const int64_t rows = params_.out_per_group() * params_.kernel_h * params_.kernel_w;
    std::vector<float> transposed(rows * cin_g);
    for (int64_t g = 0; g < params_.groups; ++g) {
        const float* w_g = weight + g * cin_g * rows;  // [Cin/g, rows] row-major
        for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t r = 0; r < rows; ++r) transposed[r * cin_g + ci] = w_g[ci * rows + r];
        packed_groups_.emplace_back(transposed.data(), cin_g, rows, cin_g);
    }
    if (bias) bias_.assign(bias, bias + params_.out_channels);
}

namespace {

// Adds the columns of one group (rows (co, ky, kx) x input pixels) into the output planes of
// channels [co_begin, co_end) of that group; `y` points at the group's first output plane.
void col2im(const ConvTranspose2dParams& p, const float* cols, int64_t h, int64_t w, int64_t co_begin, int64_t co_end,
            float* y) {
    const int64_t oh = p.output_h(h), ow = p.output_w(w);
    for (int64_t co = co_begin; co < co_end; ++co) {
        float* plane = y + co * oh * ow;
        for (int64_t ky = 0; ky < p.kernel_h; ++ky) {
            for (int64_t kx = 0; kx < p.kernel_w; ++kx) {
                const float* row = cols + ((co * p.kernel_h + ky) * p.kernel_w + kx) * h * w;
                // Input columns whose tap lands inside the output: 0 <= ix * s - pad + kx * d < ow.
                const int64_t shift_x = kx * p.dilation_w - p.pad_left;
                const int64_t ix_begin = shift_x >= 0 ? 0 : (-shift_x + p.stride_w - 1) / p.stride_w;
                const int64_t ix_end = std::min(w, (ow - shift_x + p.stride_w - 1) / p.stride_w);
                for (int64_t iy = 0; iy < h; ++iy) {
                    const int64_t oy = iy * p.stride_h - p.pad_top + ky * p.dilation_h;
                    if (oy < 0 || oy >= oh) continue;
                    float* out = plane + oy * ow;
                    const float* in = row + iy * w;
                    for (int64_t ix = ix_begin; ix < ix_end; ++ix) out[ix * p.stride_w + shift_x] += in[ix];
                }
            }
        }
    }
}

}  // namespace

void ConvTranspose2d::forward(const float* x, int64_t n, int64_t h, int64_t w, float* y) const {
    const ConvTranspose2dParams& p = params_;
    const int64_t oh = p.output_h(h), ow = p.output_w(w), pixels = h * w;
    const int64_t cout_g = p.out_per_group(), rows = cout_g * p.kernel_h * p.kernel_w;
    std::vector<float> cols(rows * pixels);
    for (int64_t b = 0; b < n; ++b) {
        float* image_out = y + b * p.out_channels * oh * ow;
        for (int64_t c = 0; c < p.out_channels; ++c)
            std::fill(image_out + c * oh * ow, image_out + (c + 1) * oh * ow, bias_.empty() ? 0.0f : bias_[c]);
        for (int64_t g = 0; g < p.groups; ++g) {
            MatrixBPacker packer(x + (b * p.in_channels + g * p.in_per_group()) * pixels, pixels);
            GemmOutput out;
            out.c = cols.data();
            out.ldc = pixels;
            sgemm(packed_groups_[g], GemmB{&packer, nullptr, pixels}, out);
            float* group_out = image_out + g * cout_g * oh * ow;
            const int threads = threads_for(static_cast<double>(rows) * pixels, cout_g);
            parallel_for(cout_g, threads, [&](int64_t co) { col2im(p, cols.data(), h, w, co, co + 1, group_out); });
        }
    }
}

}  // namespace cnnengine
