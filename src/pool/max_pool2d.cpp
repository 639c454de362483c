// Max pooling, NCHW float32, as torch.nn.functional.max_pool2d (implicit -inf padding,
// dilation, ceil_mode). Separable: vertical max of the window's rows, then a horizontal max
// (pool2d_rows.h); threaded over N*C planes. Reference twin: max_pool2d_ref in pool2d_ref.cpp.
#include "pool/pool2d.h"
#include "common/cpu_features.h"
#include "common/parallel_ranges.h"
#include "pool/pool2d_rows.h"

namespace cnnengine {

MaxPoolRowKernels active_max_pool_row_kernels() {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return max_pool_row_kernels_avx2_fma();
#endif
    return {nullptr, nullptr};
}

void max_pool2d(const float* x, float* y, const Pool2dShape& s, const Pool2dParams& p) {
    parallel_ranges(s.planes, s.out_h * s.out_w * p.kernel_h * p.kernel_w, [&](int64_t first, int64_t end) {
        pool_detail::pool_planes<pool_detail::MaxOp>(x, y, s, p, first, end, [](int64_t, float*) {});
    });
}

}  // namespace cnnengine
