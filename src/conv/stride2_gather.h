// The stride-2 gather of im2col packing: dst[t] = src[2t] for t < 16, reading src[0..30] only
// (never past the last element used, so a row's end may be the end of the buffer). Stride-2
// convolutions (ResNet's stem and downsampling layers) pack most B panel rows this way; the
// scalar loop is the reference, the AVX2 version de-interleaves four vector loads.
#pragma once

namespace cnnengine {

using Stride2Gather16 = void (*)(const float* src, float* dst);

void stride2_gather16_scalar(const float* src, float* dst);
void stride2_gather16_avx2_fma(const float* src, float* dst);

// The gather for the active ISA (common/cpu_features.h).
Stride2Gather16 active_stride2_gather16();

}  // namespace cnnengine
