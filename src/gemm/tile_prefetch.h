// Prefetch of a micro-tile's C rows (and its residual rows) ahead of the epilogue, and the K loop
// split around it, shared by the x86 SGEMM micro-kernels (_mm_prefetch is SSE, part of every x86-64).
#pragma once

#include <xmmintrin.h>

#include <cstdint>

#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

// A k step of the 6x16 AVX2 tile is 12 FMAs (6 cycles at two per cycle), of the AVX-512 tiles 6 or
// 12: 32 steps (~100-190 cycles) cover an L2 or L3 hit.
constexpr int64_t kCLeadSteps = 32;
// Below this depth the tile keeps the single prefetch into L1 at the start (short loops, e.g.
// Winograd's per-position GEMMs, run as before the two-stage fetch).
constexpr int64_t kLateCMinDepth = 128;

// Prefetches the rows of a C tile kColumns wide and, when given, of its residual, with hint kHint:
// every line a row of kColumns floats can touch.
// Always inlined: GCC 12 found an out-of-line copy free of side effects and deleted its calls.
template <int kHint, int kColumns = kGemmNR>
__attribute__((always_inline)) inline void prefetch_tile_rows(const float* c, int64_t ldc, const float* residual,
                                                              int64_t ldr, int mr) {
    auto fetch_row = [](const float* row) {
        for (int j = 0; j < kColumns; j += 16)
            _mm_prefetch(reinterpret_cast<const char*>(row + j), static_cast<_mm_hint>(kHint));
        _mm_prefetch(reinterpret_cast<const char*>(row + kColumns - 1), static_cast<_mm_hint>(kHint));
    };
    for (int r = 0; r < mr; ++r) {
        fetch_row(c + r * ldc);
        if (residual) fetch_row(residual + r * ldr);
    }
}

// Runs a tile's K loop, `groups` groups of four k steps, as multiply_groups(n) calls, with C (and
// the residual) prefetched around it: C is read or written only after the loop. On a long loop,
// fetch it into L2 at the start (from DRAM that takes most of the loop) and into L1 kCLeadSteps
// before the end: fetched into L1 at the start only, the rows of a C with a 4 KiB-multiple stride
// (one L1 set) were evicted again by the streaming panels before the epilogue used them.
template <int kColumns = kGemmNR, class MultiplyGroups>
__attribute__((always_inline)) inline void multiply_fetching_c(int64_t groups, const float* c, int64_t ldc,
                                                               const TileEpilogue& ep, int mr,
                                                               MultiplyGroups&& multiply_groups) {
    const float* residual = ep.finish ? ep.residual : nullptr;
    const bool fetch_c_late = groups * 4 >= kLateCMinDepth;
    if (fetch_c_late)
        prefetch_tile_rows<_MM_HINT_T1, kColumns>(c, ldc, residual, ep.ldr, mr);
    else
        prefetch_tile_rows<_MM_HINT_T0, kColumns>(c, ldc, residual, ep.ldr, mr);
    const int64_t groups_before_c = fetch_c_late ? groups - kCLeadSteps / 4 : groups;
    if (groups_before_c > 0) multiply_groups(groups_before_c);
    if (fetch_c_late) prefetch_tile_rows<_MM_HINT_T0, kColumns>(c, ldc, residual, ep.ldr, mr);
    if (groups > groups_before_c) multiply_groups(groups - groups_before_c);
}

}  // namespace cnnengine
