#include "dense/linear.h"

#include <algorithm>
#include <stdexcept>

#include "common/threading.h"
#include "gemm/sgemm_driver.h"
#include "gemm/sgemv_ukernel.h"

namespace cnnengine {

Linear::Linear(const float* weight, const float* bias, int64_t out_features, int64_t in_features)
    : out_features_(out_features), in_features_(in_features),
      packed_weight_(PackedB::from_transposed(weight, in_features, in_features, out_features)) {
    if (out_features < 1 || in_features < 1) throw std::invalid_argument("linear: features must be >= 1");
    if (bias) bias_.assign(bias, bias + out_features);
}

void Linear::forward(const float* x, int64_t batch, float* y, bool relu) const {
    if (batch == 1) {
        forward_one(x, y, relu);
        return;
    }
    const ScratchPackedA packed_x(x, in_features_, batch, in_features_);
    GemmOutput out;
    out.c = y;
    out.ldc = out_features_;
    out.col_bias = bias_.empty() ? nullptr : bias_.data();
    out.relu = relu;
    sgemm(packed_x.get(), GemmB{nullptr, &packed_weight_, out_features_}, out);
}

void Linear::forward_one(const float* x, float* y, bool relu) const {
    constexpr int64_t kGroupColumns = kGemvPanels * kGemmNR;  // one kernel call: up to 4 panels
    const int64_t groups = ceil_div(out_features_, kGroupColumns);
    // Contiguous runs of panel groups per task: each thread streams its share of the weights once.
    const int threads = threads_for(static_cast<double>(out_features_) * in_features_, groups);
    const int64_t tasks = std::min<int64_t>(groups, 4 * static_cast<int64_t>(threads));
    parallel_for(tasks, threads, [&](int64_t t) {
        const int64_t col_begin = groups * t / tasks * kGroupColumns;
        const int64_t col_end = std::min(out_features_, groups * (t + 1) / tasks * kGroupColumns);
        gemv_part(x, 0, in_features_, col_begin, col_end, true, relu, y + col_begin);
    });
}

void Linear::gemv_part(const float* x, int64_t k_begin, int64_t k_end, int64_t col_begin, int64_t col_end,
                       bool add_bias, bool relu, float* y) const {
    const SgemvUkernel ukernel = active_sgemv_ukernel();
    const float* bias = add_bias && !bias_.empty() ? bias_.data() : nullptr;
    const int64_t panel_stride = in_features_ * kGemmNR;
    for (int64_t col = col_begin; col < col_end; col += kGemvPanels * kGemmNR) {
        const int nr = static_cast<int>(std::min<int64_t>(kGemvPanels * kGemmNR, col_end - col));
        ukernel(k_end - k_begin, x + k_begin, packed_weight_.panel(col / kGemmNR, k_begin), panel_stride,
                static_cast<int>(ceil_div(nr, kGemmNR)), y + (col - col_begin), nr, bias ? bias + col : nullptr, relu);
    }
}

void linear_ref(const float* x, int64_t batch, const float* weight, const float* bias, int64_t out_features,
                int64_t in_features, bool relu, float* y) {
    for (int64_t b = 0; b < batch; ++b) {
        for (int64_t o = 0; o < out_features; ++o) {
            double sum = 0.0;
            for (int64_t i = 0; i < in_features; ++i)
                sum += static_cast<double>(x[b * in_features + i]) * weight[o * in_features + i];
            float v = static_cast<float>(sum);
            if (bias) v += bias[o];
            if (relu && v < 0.0f) v = 0.0f;
            y[b * out_features + o] = v;
        }
    }
}

}  // namespace cnnengine
