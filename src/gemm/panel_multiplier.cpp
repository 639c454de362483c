#include "gemm/panel_multiplier.h"

#include "common/aligned_buffer.h"

namespace cnnengine {

PanelMultiplier::PanelMultiplier(int64_t kc, const float* b_panel, int nr, APanelSource source)
    : kc_(kc), b_panel_(b_panel), nr_(nr) {
    if (nr <= kGemmNarrowMaxNR) {
        thread_local AlignedBuffer scratch;
        float* e = scratch.reserve(static_cast<size_t>(nr * narrow_panel_stride(kc)));
        expand_narrow_panel(kc, b_panel, nr, e);
        expanded_ = e;
        narrow_ = active_sgemm_narrow_ukernel();
    } else {
        full_ = active_sgemm_ukernel(source);
    }
}

}  // namespace cnnengine
