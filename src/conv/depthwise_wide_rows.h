// Internal to src/conv: moving rows into and out of the wide layout of depthwise_wide.h, written
// once and compiled into each ISA unit (depthwise_wide_scalar.cpp, depthwise_wide_avx2_fma.cpp)
// with that unit's row copy, so the short row copies of small maps inline instead of costing a
// call each.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv/depthwise_wide.h"

namespace cnnengine::wide_rows {

// Scatters an h x w input plane into the zero-padded stride x stride sub-planes of `sub`.
template <class CopyRow, class Deinterleave>
void fill_sub_planes(const WideGeometry& g, const float* in, int64_t h, int64_t w, float* sub, CopyRow copy_row,
                     Deinterleave deinterleave) {
    const int64_t s = g.stride;
    std::fill_n(sub, s * s * g.sub_size, 0.0f);
    for (int64_t iy = 0; iy < h; ++iy) {
        const int64_t py = iy + g.pad_top, row = py / s;
        if (row >= g.rows) break;
        const float* in_row = in + iy * w;
        float* parity_row = sub + (py % s) * s * g.sub_size + row * g.ws;
        if (s == 1) {
            copy_row(in_row, std::max<int64_t>(0, std::min(w, g.ws - g.pad_left)), parity_row + g.pad_left);
            continue;
        }
        // Stride 2: padded column px goes to column px / 2 of sub-plane px % 2. After an odd first
        // column, the row is a run of (even, odd) pairs: a two-way deinterleave (deinterleave_row.h).
        const int64_t end = std::min(w, 2 * g.ws - g.pad_left);
        float* even = parity_row;
        float* odd = parity_row + g.sub_size;
        int64_t ix = 0;
        if (g.pad_left % 2 == 1 && end > 0) odd[g.pad_left / 2] = in_row[ix++];
        even += (ix + g.pad_left) / 2;
        odd += (ix + g.pad_left) / 2;
        const float* pairs = in_row + ix;
        const int64_t pair_count = (end - ix) / 2;
        deinterleave(pairs, pair_count, even, odd);
        if ((end - ix) % 2 == 1) even[pair_count] = pairs[2 * pair_count];
    }
}

// out (rows x out_w) = the wide rows cut to out_w, plus residual, then ReLU, then the activation
// (clamp-shaped, or null), each row while it is in L1.
template <class CopyRow>
void compact_wide(const float* wide, int64_t ws, const float* residual, bool relu, const Activation* activation,
                  float* out, int64_t rows, int64_t ow, CopyRow copy_row) {
    for (int64_t oy = 0; oy < rows; ++oy) {
        const float* src = wide + oy * ws;
        float* out_row = out + oy * ow;
        if (residual) {
            const float* res_row = residual + oy * ow;
            for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] = src[ox] + res_row[ox];
        } else {
            copy_row(src, ow, out_row);
        }
        if (relu)
            for (int64_t ox = 0; ox < ow; ++ox) out_row[ox] = std::max(out_row[ox], 0.0f);
        if (activation) clamp_activation_in_place(*activation, out_row, ow);
    }
}

}  // namespace cnnengine::wide_rows
