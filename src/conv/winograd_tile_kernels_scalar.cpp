// Winograd tile transforms for the baseline ISA (any CPU, arm64 too), and the ISA dispatch.
#include "common/cpu_features.h"
#include "conv/winograd_tile_kernels.h"

namespace cnnengine {

WinogradTileKernels winograd_tile_kernels_scalar(int tile) { return tile_kernels_for(tile); }

WinogradTileKernels winograd_tile_kernels(int tile) {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() >= Isa::avx2_fma) return winograd_tile_kernels_avx2_fma(tile);
#endif
    return winograd_tile_kernels_scalar(tile);
}

}  // namespace cnnengine
