// The inner products behind the weight gradient of stride-1 convolutions with few output
// channels (conv2d_weight_grad_dot.h): for rows r and taps t,
//   lanes[r][t][l] += sum over j = 0, 8, 16, ... < length of dy[r * ld + j + l] * src[offsets[t] + j + l],
// eight running sums per (r, t), one per lane l, summed by the caller at the end. Both operands
// are read along contiguous memory, so nothing is transposed or packed. `length` is a multiple
// of 8. The scalar loop is the reference; the AVX2 version holds 3 x 3 (r, t) blocks in registers.
#pragma once

#include <cstdint>

namespace cnnengine {

constexpr int64_t kDotLanes = 8;

using WeightGradDot = void (*)(const float* dy, int64_t ld, int64_t rows, const float* src, const int64_t* offsets,
                               int64_t taps, int64_t length, float* lanes);

void weight_grad_dot_scalar(const float* dy, int64_t ld, int64_t rows, const float* src, const int64_t* offsets,
                            int64_t taps, int64_t length, float* lanes);
void weight_grad_dot_avx2_fma(const float* dy, int64_t ld, int64_t rows, const float* src, const int64_t* offsets,
                              int64_t taps, int64_t length, float* lanes);

// The kernel for the active ISA (common/cpu_features.h).
WeightGradDot active_weight_grad_dot();

}  // namespace cnnengine
