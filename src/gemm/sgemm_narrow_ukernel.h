// The micro-kernel for a B panel with few live columns (the N tail of a GEMM: 49 = 3*16 + 1
// pixels of a 7x7 map, 196 = 12*16 + 4 of 14x14). The 6x16 kernel would spend 15 of 16 FMAs on
// zero padding there; this one does only the live columns' work.
//
// It reads B "row-expanded" (expand_narrow_panel): column j as e[j*e_stride + k*MR + r] = B[k][j]
// for r < MR, i.e. in the same order as the A panel a[k*MR + r]. Then a[f] * e[f] over the flat
// index f is the product term of row f % MR, so whole vectors of A and e multiply lane by lane
// and the rows are summed once at the end. A panel's columns are expanded once and reused for
// every row panel. Contract otherwise as SgemmUkernel (sgemm_ukernel.h), with nr <= kGemmNarrowMaxNR.
// 1x1 convs, whose B is the input itself, keep their last columns out of the GEMM instead and read
// them in place (conv/pointwise_tail.h): measured faster there at 2 threads.
#pragma once

#include <cstdint>

#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

// Measured on Zen3 (M 120, K 256, one thread): 1, 2 and 4 live columns take 0.3, 0.4 and 0.65 of
// the 6x16 kernel's time; 5 columns break even, 8 (in two passes) are slower.
constexpr int kGemmNarrowMaxNR = 4;

using SgemmNarrowUkernel = void (*)(int64_t kc, const float* a, const float* e, int64_t e_stride, float* c,
                                    int64_t ldc, int mr, int nr, const TileEpilogue& epilogue);

// Plain loops over the expanded columns (any CPU).
void sgemm_narrow_ukernel_scalar(int64_t kc, const float* a, const float* e, int64_t e_stride, float* c,
                                 int64_t ldc, int mr, int nr, const TileEpilogue& epilogue);
// Three 8-lane accumulators per column (24 = lcm(MR, 8) floats).
void sgemm_narrow_ukernel_avx2_fma(int64_t kc, const float* a, const float* e, int64_t e_stride, float* c,
                                   int64_t ldc, int mr, int nr, const TileEpilogue& epilogue);

SgemmNarrowUkernel active_sgemm_narrow_ukernel();

// Floats between expanded columns: kc*MR rounded up to whole 64-byte lines.
inline int64_t narrow_panel_stride(int64_t kc) { return (kc * kGemmMR + 15) / 16 * 16; }

// Expands the first nr columns of a packed B panel (b[k*NR + c], kc rows) into e (nr * stride floats).
void expand_narrow_panel(int64_t kc, const float* b_panel, int nr, float* e);

}  // namespace cnnengine
