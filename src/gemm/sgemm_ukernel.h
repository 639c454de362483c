// The SGEMM micro-kernel contract: C[mr x nr] (+)= A_panel[kc x MR] * B_panel[kc x NR], followed
// on the last K block by the fused epilogue (bias, residual add, ReLU, activation) while the tile is still in
// registers. Panels are packed (see pack.h): a[k*MR + r], b[k*NR + c], zero-padded past mr / nr,
// so every kernel computes a full MR x NR tile and only the store is clipped to mr x nr.
#pragma once

#include <cstdint>

#include "elementwise/clamp_activation.h"

namespace cnnengine {

constexpr int kGemmMR = 6;   // rows of C per micro-tile (broadcast from A)
constexpr int kGemmNR = 16;  // columns of C per micro-tile (two 8-float vectors of B)
constexpr int kGemmWideNR = 2 * kGemmNR;  // columns of the wide tile: two B panels side by side

struct TileEpilogue {
    bool accumulate = false;          // add the product to what C already holds
    bool finish = true;               // last K block: apply the terms below
    const float* row_bias = nullptr;  // row_bias[r] added to row r (conv: per output channel)
    const float* col_bias = nullptr;  // col_bias[c] added to column c (linear: per output feature)
    const float* residual = nullptr;  // residual[r*ldr + c] added (ResNet shortcut)
    int64_t ldr = 0;
    bool relu = false;
    const Activation* activation = nullptr;  // clamp-shaped (clamp_activation.h), after the ReLU
};

using SgemmUkernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                              int mr, int nr, const TileEpilogue& epilogue);

// Portable C++ (the compiler may auto-vectorize for the baseline ISA).
void sgemm_ukernel_6x16_scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                               int mr, int nr, const TileEpilogue& epilogue);
// 12 ymm accumulators, broadcast A, two loads of B per k; masked loads/stores on edge tiles.
void sgemm_ukernel_6x16_avx2_fma(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                 int mr, int nr, const TileEpilogue& epilogue);
// The same with A prefetched ~4 KiB ahead instead of a few k steps (see APanelSource).
void sgemm_ukernel_6x16_stream_a_avx2_fma(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                          int mr, int nr, const TileEpilogue& epilogue);

// AVX-512: one zmm per row, even and odd k steps in separate accumulators (12 chains).
void sgemm_ukernel_6x16_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr, int nr,
                               const TileEpilogue& epilogue);
void sgemm_ukernel_6x16_stream_a_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                                        int mr, int nr, const TileEpilogue& epilogue);

// The wide tile: C[mr x nr] (+)= A_panel * [b0 | b1], nr <= 32, b0 and b1 two packed B panels
// of the same depth (columns past 16 come from b1; past nr, both zero-padded or ignored).
using SgemmWideUkernel = void (*)(int64_t kc, const float* a, const float* b0, const float* b1, float* c,
                                  int64_t ldc, int mr, int nr, const TileEpilogue& epilogue);
void sgemm_ukernel_6x32_avx512(int64_t kc, const float* a, const float* b0, const float* b1, float* c, int64_t ldc,
                               int mr, int nr, const TileEpilogue& epilogue);
void sgemm_ukernel_6x32_stream_a_avx512(int64_t kc, const float* a, const float* b0, const float* b1, float* c,
                                        int64_t ldc, int mr, int nr, const TileEpilogue& epilogue);

// Where the kernel's A panels come from, which sets how far ahead it prefetches them.
enum class APanelSource {
    cache,   // a Goto block of A, reused from L2: a few k steps ahead suffice
    memory,  // read once per call from DRAM (Winograd's transformed weights at small batch): far
             // enough ahead to keep several lines in flight (measured 10-15% on ResNet-18 layer3/4)
};

// The micro-kernel for the active ISA (common/cpu_features.h).
SgemmUkernel active_sgemm_ukernel(APanelSource source = APanelSource::cache);
// The wide kernel for the active ISA, or null where it has none (the 6x16 kernel does all).
SgemmWideUkernel active_sgemm_wide_ukernel(APanelSource source = APanelSource::cache);

// Epilogue and clipped store of a tile computed into acc[r * acc_ld + j] (the portable kernels').
inline void store_tile(const float* acc, int acc_ld, float* c, int64_t ldc, int mr, int nr, const TileEpilogue& ep) {
    // A copy the stores to C cannot alias, so the compiler moves the kind's switch out of the loops.
    const Activation activation = ep.activation ? *ep.activation : Activation{};
    for (int r = 0; r < mr; ++r) {
        float* c_row = c + r * ldc;
        for (int j = 0; j < nr; ++j) {
            float v = acc[r * acc_ld + j];
            if (ep.accumulate) v += c_row[j];
            if (ep.finish) {
                if (ep.row_bias) v += ep.row_bias[r];
                if (ep.col_bias) v += ep.col_bias[j];
                if (ep.residual) v += ep.residual[r * ep.ldr + j];
                if (ep.relu && v < 0.0f) v = 0.0f;
                if (ep.activation) v = clamp_activation(activation, v);
            }
            c_row[j] = v;
        }
    }
}

}  // namespace cnnengine
