// Winograd tile transforms compiled for AVX2/FMA (one ymm per 8 tiles); see winograd_tile_kernels.h.
#include "conv/winograd_tile_kernels.h"

namespace cnnengine {

WinogradTileKernels winograd_tile_kernels_avx2_fma(int tile) { return tile_kernels_for(tile); }

}  // namespace cnnengine
