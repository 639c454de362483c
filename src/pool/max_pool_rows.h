// The two passes of max pooling (pool2d_rows.h) with AVX2, for the active ISA: the window's rows
// combined 8 floats per vector, then the columns of stride 1 or 2 (dilation 1), 8 outputs per
// vector from whole-vector loads (stride 2: the even floats of two vectors, by shuffles). Same
// order of combination and NaN rule as MaxOp, so results are bit-identical to the portable
// templates of pool2d_rows.h, their reference twins. Measured against those (SSE2 compare and
// select) on one thread: ResNet's 3x3 stride-2 pool of 64 x 112 x 112, 0.65 -> 0.36 ms.
#pragma once

#include <cstdint>

namespace cnnengine {

struct MaxPoolRowKernels {
    // dst[i] = MaxOp over rows[0..n)[i], n >= 1.
    void (*combine_rows)(const float* const* rows, int64_t n, int64_t width, float* dst);
    // out[o] = MaxOp over kw < kernel_w of row[o * stride + kw], o < out_w, stride 1 or 2; reads
    // up to kMaxPoolRowSlack floats past row[(out_w - 1) * stride + kernel_w - 1] (not used).
    void (*combine_columns)(const float* row, float* out, int64_t out_w, int64_t kernel_w, int64_t stride);
    // Both passes of a 3x3, stride-1 pooling with one padding on every side ("same" size:
    // GoogLeNet's inception pools) over a whole h x w plane, the rows' maxima in `scratch`
    // (h * (w + kSame3x3ScratchPad) floats): on 14 x 14 and 7 x 7 maps the per-row passes spent
    // more on their set-up than on the maxima.
    void (*same3x3_plane)(const float* in, float* out, int64_t h, int64_t w, float* scratch);
    // A 2x2, stride-2 pooling without padding of planes of even height and width w, stacked into
    // one tall plane: output row j (w / 2 floats at out + j * w / 2) pools input rows 2j and
    // 2j + 1, for j < rows. The windows tile the planes, so no row or plane needs its own set-up:
    // LeNet's 64 x 16 x 10 x 10 pool took 0.065 ms in the per-row passes, as long as the conv
    // before it. Writes only out[0, rows * w / 2).
    void (*halve2x2_rows)(const float* in, float* out, int64_t rows, int64_t w);
};

constexpr int64_t kSame3x3ScratchPad = 10;  // a -inf border each side, and a vector's over-read

constexpr int64_t kMaxPoolRowSlack = 16;

MaxPoolRowKernels max_pool_row_kernels_avx2_fma();

// The AVX2 kernels when the active ISA has them, else null members (the portable templates run).
MaxPoolRowKernels active_max_pool_row_kernels();

}  // namespace cnnengine
