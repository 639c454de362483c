// Max pooling, NCHW float32, as torch.nn.functional.max_pool2d (implicit -inf padding,
// dilation, ceil_mode). Separable: vertical max of the window's rows, then a horizontal max
// (pool2d_rows.h); threaded over N*C planes. 2x2 stride-2 windows that tile the planes run over
// all planes as one (halve2x2_rows, max_pool_rows.h). Reference twin: max_pool2d_ref in pool2d_ref.cpp.
#include "pool/pool2d.h"

#include <vector>

#include "common/cpu_features.h"
#include "common/parallel_ranges.h"
#include "pool/pool2d_rows.h"

namespace cnnengine {

MaxPoolRowKernels active_max_pool_row_kernels() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return max_pool_row_kernels_avx2_fma();
#endif
    return {nullptr, nullptr, nullptr, nullptr};
}

namespace {

// A square `kernel` window moved by `stride` along both axes, `pad` on every side, no dilation.
bool is_square_window(const Pool2dParams& p, int64_t kernel, int64_t stride, int64_t pad) {
    return p.kernel_h == kernel && p.kernel_w == kernel && p.stride_h == stride && p.stride_w == stride &&
           p.dilation_h == 1 && p.dilation_w == 1 && p.pad_top == pad && p.pad_left == pad && p.pad_bottom == pad &&
           p.pad_right == pad;
}

}  // namespace

void max_pool2d(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p) {
    const MaxPoolRowKernels fast = active_max_pool_row_kernels();
    const bool same3x3 = fast.same3x3_plane && is_square_window(p, 3, 1, 1) && s.out_h == s.in_h && s.out_w == s.in_w;
    if (same3x3) {
        parallel_ranges(s.planes, s.in_h * s.in_w * 9, [&](int64_t first, int64_t end) {
            std::vector<float> scratch(static_cast<size_t>(s.in_h * (s.in_w + kSame3x3ScratchPad)));
            const int64_t plane = s.in_h * s.in_w;
            for (int64_t i = first; i < end; ++i)
                fast.same3x3_plane(x + i * plane, y + i * plane, s.in_h, s.in_w, scratch.data());
        });
        return;
    }
    // The windows tile the planes exactly (even sides, so also in ceil_mode).
    const bool halve2x2 =
        fast.halve2x2_rows && is_square_window(p, 2, 2, 0) && 2 * s.out_h == s.in_h && 2 * s.out_w == s.in_w;
    if (halve2x2) {
        parallel_ranges(s.planes * s.out_h, 2 * s.in_w, [&](int64_t first, int64_t end) {
            fast.halve2x2_rows(x + first * 2 * s.in_w, y + first * s.out_w, end - first, s.in_w);
        });
        return;
    }
    parallel_ranges(s.planes, s.out_h * s.out_w * p.kernel_h * p.kernel_w, [&](int64_t first, int64_t end) {
        pool_detail::pool_planes<pool_detail::MaxOp>(x, y, s, p, first, end, [](int64_t, float*) {});
    });
}

}  // namespace cnnengine
