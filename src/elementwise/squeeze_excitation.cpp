#include "elementwise/squeeze_excitation.h"

#include <algorithm>
#include <vector>

#include "common/parallel_ranges.h"
#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

namespace {

// A gate's work is memory traffic rather than arithmetic: its planes are read twice and written
// once, and its weights mostly come from DRAM (the rest of the network evicts them between
// calls: MobileNet-V3's 576-channel gate took 47 us in the model, 21 us on its own). Counted as
// this many multiply-adds per element for threads_for, so that the large gates split.
constexpr double kSplitWorkScale = 4.0;

// Mean of a plane: 8 partial sums, so that the compiler vectorises without reassociating.
float plane_mean(const float* p, int64_t hw) {
    constexpr int kLanes = 8;
    float partial[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= hw; i += kLanes)
        for (int j = 0; j < kLanes; ++j) partial[j] += p[i + j];
    float sum = 0.0f;
    for (int j = 0; j < kLanes; ++j) sum += partial[j];
    for (; i < hw; ++i) sum += p[i];
    return sum / static_cast<float>(hw);
}

void scale_plane(const float* x, int64_t hw, int64_t plane, float s, float* y) {
    const float* in = x + plane * hw;
    float* out = y + plane * hw;
    for (int64_t i = 0; i < hw; ++i) out[i] = in[i] * s;
}

}  // namespace

SqueezeExcitation::SqueezeExcitation(const float* reduce_weight, const float* reduce_bias, const float* expand_weight,
                                     const float* expand_bias, int64_t channels, int64_t hidden, bool reduce_relu,
                                     const Activation& gate)
    : reduce_(reduce_weight, reduce_bias, hidden, channels),
      expand_(expand_weight, expand_bias, channels, hidden),
      reduce_relu_(reduce_relu),
      gate_(gate) {}

void SqueezeExcitation::forward(const float* x, int64_t n, int64_t hw, float* y) const {
    const int64_t c = channels();
    const int threads = n == 1 ? threads_for(kSplitWorkScale * (2.0 * c * hw + 2.0 * c * hidden()), c) : 1;
    if (threads > 1) return forward_split(x, hw, y, threads);
    std::vector<float> pooled(static_cast<size_t>(n * c)), squeezed(static_cast<size_t>(n * hidden())),
        scale(static_cast<size_t>(n * c));
    parallel_ranges(n * c, hw, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) pooled[plane] = plane_mean(x + plane * hw, hw);
    });
    reduce_.forward(pooled.data(), n, squeezed.data(), reduce_relu_);
    expand_.forward(squeezed.data(), n, scale.data(), false);
    activation(gate_, scale.data(), scale.data(), n * c);
    parallel_ranges(n * c, hw, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) scale_plane(x, hw, plane, scale[plane], y);
    });
}

void SqueezeExcitation::forward_split(const float* x, int64_t hw, float* y, int threads) const {
    const int64_t c = channels(), hid = hidden();
    const auto first_channel = [&](int64_t part) { return c * part / threads; };
    // Part t pools its channels and multiplies them into its share of the reduce GEMV (over
    // its inputs only; part 0 adds the bias), ...
    std::vector<float> pooled(static_cast<size_t>(c)), partial(static_cast<size_t>(threads * hid));
    parallel_for(threads, threads, [&](int64_t t) {
        const int64_t begin = first_channel(t), end = first_channel(t + 1);
        for (int64_t plane = begin; plane < end; ++plane) pooled[plane] = plane_mean(x + plane * hw, hw);
        reduce_.gemv_part(pooled.data(), begin, end, 0, hid, t == 0, false, partial.data() + t * hid);
    });
    // ... then sums the shares itself (hidden x threads additions: less than another fork/join),
    // expands to the gates of its channels (whole 16-channel panels) and scales them.
    parallel_for(threads, threads, [&](int64_t t) {
        std::vector<float> squeezed(partial.begin(), partial.begin() + hid);
        for (int64_t part = 1; part < threads; ++part)
            for (int64_t j = 0; j < hid; ++j) squeezed[j] += partial[part * hid + j];
        if (reduce_relu_)
            for (float& v : squeezed) v = std::max(v, 0.0f);
        const int64_t begin = first_channel(t), end = first_channel(t + 1);
        const int64_t gates_begin = begin / kGemmNR * kGemmNR;
        std::vector<float> gates(static_cast<size_t>(end - gates_begin));
        expand_.gemv_part(squeezed.data(), 0, hid, gates_begin, end, true, false, gates.data());
        activation(gate_, gates.data(), gates.data(), end - gates_begin);
        for (int64_t plane = begin; plane < end; ++plane) scale_plane(x, hw, plane, gates[plane - gates_begin], y);
    });
}

}  // namespace cnnengine
