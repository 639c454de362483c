// Splitting a row into its even and odd elements: the stride-2 input layouts of the direct
// convolutions (depthwise_flat.h, depthwise_wide.h) and of im2col (column_phase_split.h) are
// built from it. Defined in the ISA units depthwise_flat_scalar.cpp and depthwise_flat_avx2_fma.cpp.
#pragma once

#include <cstdint>

namespace cnnengine {

// even[j] = in[2j], odd[j] = in[2j + 1] for j < half.
using DeinterleaveRow = void (*)(const float* in, int64_t half, float* even, float* odd);
void deinterleave_row_scalar(const float* in, int64_t half, float* even, float* odd);
void deinterleave_row_avx2_fma(const float* in, int64_t half, float* even, float* odd);

// The version for the active ISA (common/cpu_features.h).
DeinterleaveRow active_deinterleave_row();

}  // namespace cnnengine
