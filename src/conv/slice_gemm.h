// A product whose B rows are shifted slices of one buffer, for the data gradient of stride-1
// convolutions with few output channels (conv2d_data_grad_slices.h):
//   out[r * ldo + i] = sum over t < taps of a[r * taps + t] * src[offsets[t] + i],  i < length,
// so a convolution reads its shifted inputs in place instead of packing an im2col matrix.
// `length` is a multiple of 16. The scalar loop is the reference; the AVX2 version computes
// 6 rows x 16 positions in registers (two loads and six broadcasts per 12 FMAs).
#pragma once

#include <cstdint>

namespace cnnengine {

constexpr int64_t kSliceGemmColumns = 16;

using SliceGemm = void (*)(const float* a, int64_t rows, int64_t taps, const float* src, const int64_t* offsets,
                           int64_t length, float* out, int64_t ldo);

void slice_gemm_scalar(const float* a, int64_t rows, int64_t taps, const float* src, const int64_t* offsets,
                       int64_t length, float* out, int64_t ldo);
void slice_gemm_avx2_fma(const float* a, int64_t rows, int64_t taps, const float* src, const int64_t* offsets,
                         int64_t length, float* out, int64_t ldo);

// The kernel for the active ISA (common/cpu_features.h).
SliceGemm active_slice_gemm();

}  // namespace cnnengine
