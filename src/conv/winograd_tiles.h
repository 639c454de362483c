// The per-tile halves of Winograd convolution (conv3x3_winograd.h), dispatched by ISA and tile size.
// Tiles are numbered image by image, row-major over each output: tile t is in image
// t / tiles_per_image, and its number there, u = t % tiles_per_image, covers output rows
// [(u / tiles_w) * m, +m) and columns [(u % tiles_w) * m, +m); a block is `count` tiles from
// `first`, and may span images.
//
// Input transform: V = BT d B for every tile of the block and every channel, written straight into
// the GEMM's packed-B layout: one block of NR(16)-tile panels per matrix element xi = i*alpha + j:
//     v[xi * xi_stride + (tile / 16) * channels * 16 + channel * 16 + tile % 16]
// Output transform: Y = AT M A + bias (+ residual, ReLU) from the GEMM's products, laid out as
//     m[xi * xi_stride + row * ld + tile]   (row = output channel within the job)
// Reference: conv3x3_winograd_ref.h.
#pragma once

#include <cstdint>

namespace cnnengine {

// The input arrives already zero-padded: the patch of tile (ty, tx) of image b starts at
// input + b * image_stride + ty * m * row_stride + tx * m of each channel plane, and vector loads
// of the lanes past a row's last tile may read up to kWinogradInputMargin floats beyond the planes.
struct WinogradInputJob {
    const float* input = nullptr;  // [images, channels, plane_stride]
    int64_t channels = 0, image_stride = 0, plane_stride = 0, row_stride = 0;
    int64_t tiles_per_image = 0, tiles_w = 0, first = 0, count = 0;
    float* v = nullptr;
    int64_t xi_stride = 0;
};

// y and residual point at the job's first output channel of image 0.
struct WinogradOutputJob {
    const float* m = nullptr;
    int64_t xi_stride = 0, ld = 0, rows = 0;
    const float* bias = nullptr;      // [rows] or null
    const float* residual = nullptr;  // like y, or null
    float* y = nullptr;               // image b, channel r at y + b * image_stride + r * out_h * out_w
    int64_t image_stride = 0, out_h = 0, out_w = 0;
    int64_t tiles_per_image = 0, tiles_w = 0, first = 0, count = 0;
    bool relu = false;
};

using WinogradInputTransform = void (*)(const WinogradInputJob& job);
using WinogradOutputTransform = void (*)(const WinogradOutputJob& job);

struct WinogradTileKernels {
    WinogradInputTransform input;
    WinogradOutputTransform output;
};


constexpr int64_t kWinogradInputMargin = 64;

// Tiles an input transform handles at once: a job writes whole groups of this many lanes from
// its v on, so jobs of one block may share its V when each starts a group (lanes past a job's
// count hold garbage no output reads).
constexpr int64_t kWinogradLanes = 8;

// Kernels of the active ISA for output tiles of m x m, m in {2, 4, 6}.
WinogradTileKernels winograd_tile_kernels(int tile);

WinogradTileKernels winograd_tile_kernels_scalar(int tile);
WinogradTileKernels winograd_tile_kernels_avx2_fma(int tile);

}  // namespace cnnengine
