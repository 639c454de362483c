// The fused epilogue (sgemm_ukernel.h's TileEpilogue) and store of 16 columns of one C row, for
// the AVX-512 micro-kernels only (units compiled with -mavx512f).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <optional>

#include "common/avx512_lanes.h"
#include "elementwise/clamp_activation_avx512.h"
#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

// The epilogue's activation lanes, built once per tile, when this K block finishes the tile with
// an activation (get() is null otherwise).
class TileActivation {
public:
    explicit TileActivation(const TileEpilogue& ep) {
        if (ep.finish && ep.activation) lanes_.emplace(*ep.activation);
    }
    const ClampActivationLanes* get() const { return lanes_ ? &*lanes_ : nullptr; }

private:
    std::optional<ClampActivationLanes> lanes_;
};

// v: row r of the product, columns [col, col + 16) of the tile; `mask` selects the live ones.
inline void finish_row_avx512(__m512 v, int r, int col, float* c, int64_t ldc, const TileEpilogue& ep,
                              __mmask16 mask, const ClampActivationLanes* activation) {
    float* c_row = c + r * ldc + col;
    const bool whole = mask == static_cast<__mmask16>(0xffff);
    if (ep.accumulate) v = _mm512_add_ps(v, whole ? _mm512_loadu_ps(c_row) : _mm512_maskz_loadu_ps(mask, c_row));
    if (ep.finish) {
        if (ep.row_bias) v = _mm512_add_ps(v, _mm512_set1_ps(ep.row_bias[r]));
        if (ep.col_bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, ep.col_bias + col));
        if (ep.residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, ep.residual + r * ep.ldr + col));
        // Zero first: maxps returns its second operand for NaN, so NaN propagates as in PyTorch.
        if (ep.relu) v = _mm512_max_ps(_mm512_setzero_ps(), v);
        if (activation) v = activate_lanes16(*activation, v);
    }
    if (whole)
        _mm512_storeu_ps(c_row, v);
    else
        _mm512_mask_storeu_ps(c_row, mask, v);
}

}  // namespace cnnengine
