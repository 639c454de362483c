// Multiplies one packed B panel (kc x NR, nr live columns) by a run of A row panels: with the
// 6x16 micro-kernel, or, when only a few columns are live (a GEMM's N tail), with the narrow
// kernel on a copy of those columns expanded once here (sgemm_narrow_ukernel.h).
// The expansion lives in per-thread scratch: one PanelMultiplier per thread at a time.
#pragma once

#include <cstdint>

#include "gemm/sgemm_narrow_ukernel.h"
#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

class PanelMultiplier {
public:
    // `source`: where the A panels come from (sgemm_ukernel.h); the narrow kernel ignores it.
    PanelMultiplier(int64_t kc, const float* b_panel, int nr, APanelSource source = APanelSource::cache);

    // C[mr x nr] (+)= a_panel (kc x MR) * the panel, then the epilogue (sgemm_ukernel.h).
    void multiply(const float* a_panel, float* c, int64_t ldc, int mr, const TileEpilogue& ep) const {
        if (expanded_)
            narrow_(kc_, a_panel, expanded_, narrow_panel_stride(kc_), c, ldc, mr, nr_, ep);
        else
            full_(kc_, a_panel, b_panel_, c, ldc, mr, nr_, ep);
    }

private:
    int64_t kc_;
    const float* b_panel_;
    int nr_;
    const float* expanded_ = nullptr;  // set when the narrow kernel is used
    SgemmUkernel full_ = nullptr;
    SgemmNarrowUkernel narrow_ = nullptr;
};

}  // namespace cnnengine
