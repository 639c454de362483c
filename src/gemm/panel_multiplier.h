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

// Multiplies two adjacent packed B panels (kc x NR each, nr live columns in all, nr > NR) by a
// run of A row panels with the wide kernel (sgemm_ukernel.h).
class WidePanelMultiplier {
public:
    WidePanelMultiplier(int64_t kc, const float* b0, const float* b1, int nr, SgemmWideUkernel kernel)
        : kc_(kc), b0_(b0), b1_(b1), nr_(nr), kernel_(kernel) {}

    void multiply(const float* a_panel, float* c, int64_t ldc, int mr, const TileEpilogue& ep) const {
        kernel_(kc_, a_panel, b0_, b1_, c, ldc, mr, nr_, ep);
    }

private:
    int64_t kc_;
    const float* b0_;
    const float* b1_;
    int nr_;
    SgemmWideUkernel kernel_;
};

// Columns one step over B's panels from a column with `cols_left` columns to its right covers:
// two panels for the wide kernel (where the ISA has one) while the second would hold more than
// the narrow kernel's few columns, else one.
inline int64_t column_step(SgemmWideUkernel wide, int64_t cols_left) {
    return wide && cols_left > kGemmNR + kGemmNarrowMaxNR ? kGemmWideNR : kGemmNR;
}

}  // namespace cnnengine
