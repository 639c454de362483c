#include "conv/conv2d.h"

#include <stdexcept>
#include <vector>

#include "common/threading.h"
#include "conv/column_phase_split.h"
#include "conv/depthwise_conv2d.h"
#include "conv/direct_conv2d_wide.h"
#include "conv/im2col_packer.h"
#include "conv/pointwise_strided.h"
#include "conv/pointwise_tail.h"
#include "gemm/sgemm_driver.h"

namespace cnnengine {

const char* conv_algorithm_name(ConvAlgorithm algorithm) {
    switch (algorithm) {
        case ConvAlgorithm::gemm_1x1: return "gemm_1x1";
        case ConvAlgorithm::gemm_im2col: return "gemm_im2col";
        case ConvAlgorithm::depthwise_direct: return "depthwise_direct";
        case ConvAlgorithm::direct_wide: return "direct_wide";
        case ConvAlgorithm::winograd_f23: return "winograd_f23";
        case ConvAlgorithm::winograd_f43: return "winograd_f43";
        case ConvAlgorithm::winograd_f63: return "winograd_f63";
    }
    return "unknown";
}

namespace {

constexpr double kWholeGemmMaxMacs = 4.0 * 1024 * 1024;

int winograd_tile(ConvAlgorithm algorithm) {
    switch (algorithm) {
        case ConvAlgorithm::winograd_f23: return 2;
        case ConvAlgorithm::winograd_f43: return 4;
        case ConvAlgorithm::winograd_f63: return 6;
        default: return 0;
    }
}

}  // namespace

ConvAlgorithm resolve_conv_algorithm(const Conv2dParams& p, const std::string& request) {
    const ConvAlgorithm gemm = p.is_pointwise() ? ConvAlgorithm::gemm_1x1 : ConvAlgorithm::gemm_im2col;
    if (request == "default")
        return is_depthwise(p) ? ConvAlgorithm::depthwise_direct : prefers_direct_wide(p) ? ConvAlgorithm::direct_wide : gemm;
    if (request == "gemm") return gemm;
    for (ConvAlgorithm a : {ConvAlgorithm::gemm_1x1, ConvAlgorithm::gemm_im2col, ConvAlgorithm::depthwise_direct,
                            ConvAlgorithm::winograd_f23, ConvAlgorithm::winograd_f43, ConvAlgorithm::winograd_f63,
                            ConvAlgorithm::direct_wide}) {
        if (request != conv_algorithm_name(a)) continue;
        const bool fits = a == ConvAlgorithm::gemm_im2col || (a == ConvAlgorithm::gemm_1x1 && p.is_pointwise()) ||
                          (a == ConvAlgorithm::depthwise_direct && is_depthwise(p)) ||
                          (winograd_tile(a) != 0 && winograd_applicable(p)) ||
                          (a == ConvAlgorithm::direct_wide && fits_direct_wide(p));
        if (!fits) throw std::invalid_argument("conv algorithm '" + request + "' does not apply to this layer's shape");
        return a;
    }
    throw std::invalid_argument("unknown conv algorithm '" + request +
                                "' (known: default, gemm, gemm_1x1, gemm_im2col, depthwise_direct, winograd_f23, "
                                "winograd_f43, winograd_f63, direct_wide)");
}

Conv2d::Conv2d(const Conv2dParams& params, const float* weight, const float* bias, ConvAlgorithm algorithm)
    : params_(params), algorithm_(algorithm) {
    params_.validate();
    const int64_t weight_count = params_.out_channels * params_.depth();
    if (bias) bias_.assign(bias, bias + params_.out_channels);
    if (algorithm_ == ConvAlgorithm::depthwise_direct || algorithm_ == ConvAlgorithm::direct_wide) {
        weight_.assign(weight, weight + weight_count);
        return;
    }
    if (winograd_tile(algorithm_) != 0) {
        winograd_ = Conv3x3Winograd(params_, winograd_tile(algorithm_), weight);
        return;
    }
    const int64_t rows = params_.out_per_group(), depth = params_.depth();
    for (int64_t g = 0; g < params_.groups; ++g)
        packed_groups_.emplace_back(weight + g * rows * depth, depth, rows, depth);
}

void Conv2d::forward(const float* x, int64_t n, int64_t h, int64_t w, float* y, const float* residual, bool relu,
                     const Activation* activation) const {
    const float* bias = bias_.empty() ? nullptr : bias_.data();
    const bool winograd = winograd_tile(algorithm_) != 0;
    // The direct kernels may write an output row before reading the residual it overlaps: when
    // y is the residual they read a copy (the planner does not put them in place, see
    // residual_in_place).
    std::vector<float> residual_copy;
    if (residual == y && !residual_in_place()) {
        residual_copy.assign(residual, residual + n * params_.out_channels * params_.output_h(h) * params_.output_w(w));
        residual = residual_copy.data();
    }
    const Activation* fused = activation && is_clamp_shaped(activation->kind) && !winograd ? activation : nullptr;
    if (algorithm_ == ConvAlgorithm::depthwise_direct)
        depthwise_conv2d(params_, x, n, h, w, weight_.data(), bias, residual, relu, fused, y);
    else if (algorithm_ == ConvAlgorithm::direct_wide)
        direct_conv2d_wide(params_, x, n, h, w, weight_.data(), bias, residual, relu, fused, y);
    else if (winograd)
        winograd_.forward(x, n, h, w, bias, residual, relu, y);
    else
        forward_gemm(x, n, h, w, y, residual, relu, fused);
    if (activation && !fused) {
        const int64_t count = n * params_.out_channels * params_.output_h(h) * params_.output_w(w);
        cnnengine::activation(*activation, y, y, count);  // on the output while it is in cache
    }
}

bool Conv2d::residual_in_place() const {
    return algorithm_ != ConvAlgorithm::depthwise_direct && algorithm_ != ConvAlgorithm::direct_wide;
}

void Conv2d::forward_gemm(const float* x, int64_t n, int64_t h, int64_t w, float* y, const float* residual, bool relu,
                          const Activation* activation) const {
    const Conv2dParams& p = params_;
    const int64_t pixels = p.output_h(h) * p.output_w(w);
    const int64_t rows = p.out_per_group();
    const int64_t items = n * p.groups;  // independent GEMMs: one per image and group
    const double macs = static_cast<double>(items) * rows * pixels * p.depth();
    const int threads = threads_for(macs, items * ceil_div(rows, kGemmMR) * ceil_div(pixels, kGemmNR));

    // Small GEMMs (LeNet-sized) are whole tasks when they spread evenly over the threads. Large
    // ones are split so that all threads work on one image at a time: its input and output stay
    // in the shared L3 instead of one image per thread competing for it (measured 3-7% faster
    // on VGG-16 and ResNet-18 at batch 8, 2 threads).
    const bool small = macs / static_cast<double>(items) < kWholeGemmMaxMacs;
    const bool whole = small && (items >= 4 * threads || items % threads == 0);
    // 1x1 on 7 x 7 or 14 x 14 maps: the few pixels past the last whole tile are matrix-vector
    // products (pointwise_tail.h), split by rows into one more task per thread.
    // Not when the GEMM streams its weights (gemm_streams_a): its narrow kernel takes them while
    // each weight panel is in cache, where the tail would read all of them again.
    const bool streams_a = gemm_streams_a(packed_groups_.front(), pixels);
    const int64_t tail = algorithm_ == ConvAlgorithm::gemm_1x1 && !streams_a ? pointwise_tail_columns(pixels) : 0;
    const std::vector<GemmRange> parts = split_gemm(rows, pixels - tail, whole ? 1 : threads, true);
    const int64_t tail_parts = !tail ? 0 : whole ? 1 : std::min<int64_t>(threads, ceil_div(rows, kGemmMR));
    const int64_t tasks = items * static_cast<int64_t>(parts.size() + tail_parts);
    // Strided im2col packs from rows split by column phase: contiguous loads instead of gathers
    // (AlexNet's 11 x 11 stride-4 stem spent 38% of its time in strided scalar copies).
    // Not for 1 x 1 kernels: they read a fraction of the input, the split would copy all of it.
    const bool phase_split = algorithm_ == ConvAlgorithm::gemm_im2col && p.stride_w >= 2 && p.kernel_w > 1;
    const float* input = phase_split ? split_columns_by_phase(x, n * p.in_channels * h, w, p.stride_w) : x;

    parallel_for(tasks, threads, [&](int64_t t) {
        const int64_t item = t / static_cast<int64_t>(parts.size() + tail_parts);
        const int64_t part = t % static_cast<int64_t>(parts.size() + tail_parts);
        const int64_t b = item / p.groups, g = item % p.groups;
        const float* image = input + (b * p.in_channels + g * p.in_per_group()) * h * w;
        const int64_t out_offset = (b * p.out_channels + g * rows) * pixels;

        GemmOutput out;
        out.c = y + out_offset;
        out.ldc = pixels;
        out.row_bias = bias_.empty() ? nullptr : bias_.data() + g * rows;
        out.residual = residual ? residual + out_offset : nullptr;
        out.ldr = pixels;
        out.relu = relu;
        out.activation = activation;
        // The blocked SGEMM writes partial sums over K blocks into C; when C is the residual it
        // accumulates onto it instead (C = residual + W X, then bias and ReLU). pointwise_tail and
        // pointwise_strided read each residual element right before writing it: they may alias.
        GemmOutput blocked = out;
        if (residual == y) {
            blocked.residual = nullptr;
            blocked.accumulate = true;
        }
        if (part >= static_cast<int64_t>(parts.size())) {
            const int64_t panels = ceil_div(rows, kGemmMR), i = part - static_cast<int64_t>(parts.size());
            pointwise_tail(packed_groups_[g], image, pixels, pixels - tail, tail, out,
                           panels * i / tail_parts * kGemmMR, std::min(rows, panels * (i + 1) / tail_parts * kGemmMR));
            return;
        }
        const GemmRange& range = parts[part];
        if (algorithm_ == ConvAlgorithm::gemm_1x1 && prefers_pointwise_strided(rows, p.depth(), pixels - tail)) {
            pointwise_strided(packed_groups_[g], image, pixels, out, range);
        } else if (algorithm_ == ConvAlgorithm::gemm_1x1) {
            MatrixBPacker packer(image, h * w);
            sgemm_range(packed_groups_[g], GemmB{&packer, nullptr, pixels}, blocked, range);
        } else {
            Im2colBPacker packer(p, image, h, w, phase_split);
            sgemm_range(packed_groups_[g], GemmB{&packer, nullptr, pixels}, blocked, range);
        }
    });
}

}  // namespace cnnengine
