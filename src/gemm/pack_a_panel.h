// Packing one MR-row panel of A (the micro-kernel's layout, pack.h): rows [0, rows) and columns
// [0, kc) of a row-major matrix at `a` (row stride lda) go to out[k*MR + r]; rows past `rows`
// (an edge panel, rows < MR) are zeros. Used for weights packed once and for the blocks of A
// packed per call, so it is on the hot path of every GEMM whose A is not pre-packed.
#pragma once

#include <cstdint>

namespace cnnengine {

using PackAPanel = void (*)(const float* a, int64_t lda, int rows, int64_t kc, float* out);

// Plain loops: the scalar path and the reference twin.
void pack_a_panel_scalar(const float* a, int64_t lda, int rows, int64_t kc, float* out);
// Full panels 8 columns at a time: six row loads, an in-register transpose, six stores.
void pack_a_panel_avx2_fma(const float* a, int64_t lda, int rows, int64_t kc, float* out);

PackAPanel active_pack_a_panel();

}  // namespace cnnengine
