// Winograd tile transforms for the baseline ISA (any CPU, arm64 too), and the ISA dispatch.
#include "common/cpu_features.h"
#include "conv/winograd_tile_kernels.h"

namespace cnnengine {

WinogradTileKernels winograd_tile_kernels_scalar(int tile) { return tile_kernels_for(tile); }

WinogradTileKernels winograd_tile_kernels(int tile) {
#ifdef CNNENGINE_HAVE_AVX2_UNITS
    if (active_isa() == Isa::avx2_fma) return winograd_tile_kernels_avx2_fma(tile);
#endif
    return winograd_tile_kernels_scalar(tile);
}

int64_t winograd_staging_floats(int tile, int64_t tiles_w, int64_t block_tiles) {
    const int64_t tile_rows = (block_tiles + tiles_w - 1) / tiles_w + 1;  // a block may straddle one more row
    return (tile_rows * tile + 2) * (tiles_w * tile + 2) + 2 * kWinogradStagingMargin;
}

}  // namespace cnnengine
