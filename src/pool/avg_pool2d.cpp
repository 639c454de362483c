// Average pooling, NCHW float32, as torch.nn.functional.avg_pool2d (zero padding, ceil_mode,
// count_include_pad; dilation is ignored). Window sums come from the separable pass in
// pool2d_rows.h; the divisor is PyTorch's: the window clipped to input + end padding when
// count_include_pad, to the input otherwise, which is a product of a row count and a column
// count. Threaded over N*C planes. Reference twin: avg_pool2d_ref in pool2d_ref.cpp.
#include <algorithm>
#include <vector>

#include "pool/pool2d.h"
#include "common/parallel_ranges.h"
#include "pool/pool2d_rows.h"

namespace cnnengine {

namespace {

// 1 / the inputs (or inputs and padding) covered by window `o` along one axis.
float inverse_count(int64_t o, int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end,
                    bool include_pad) {
    const int64_t start = o * stride - pad_begin;
    const int64_t end = std::min(start + kernel, in + pad_end);
    const int64_t count = include_pad ? end - start : std::min(end, in) - std::max<int64_t>(start, 0);
    return 1.0f / static_cast<float>(count);
}

}  // namespace

void avg_pool2d(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p) {
    Pool2dParams unit = p;
    unit.dilation_h = unit.dilation_w = 1;
    // sum * (1 / rows) * (1 / columns): a few ulp from PyTorch's sum / (rows * columns), and
    // no division in the loop.
    std::vector<float> col_scale(static_cast<size_t>(s.out_w));
    for (int64_t ow = 0; ow < s.out_w; ++ow)
        col_scale[ow] = inverse_count(ow, s.in_w, p.kernel_w, p.stride_w, p.pad_left, p.pad_right, p.count_include_pad);
    const float* col_scales = col_scale.data();
    const auto scale = [&](int64_t oh, float* __restrict out) {
        const float row_scale =
            inverse_count(oh, s.in_h, p.kernel_h, p.stride_h, p.pad_top, p.pad_bottom, p.count_include_pad);
        for (int64_t ow = 0; ow < s.out_w; ++ow) out[ow] *= row_scale * col_scales[ow];
    };
    parallel_ranges(s.planes, s.out_h * s.out_w * p.kernel_h * p.kernel_w, [&](int64_t first, int64_t end) {
        pool_detail::pool_planes<pool_detail::SumOp>(x, y, s, unit, first, end, scale);
    });
}

}  // namespace cnnengine
