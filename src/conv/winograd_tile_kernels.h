// Implementation of the tile transforms declared in winograd_tiles.h, compiled once per ISA
// (winograd_tile_kernels_scalar.cpp, winograd_tile_kernels_avx2_fma.cpp). Eight tiles are
// transformed at once, one tile per lane of an 8-float vector (GCC/Clang vector extensions: one
// ymm register with AVX2, two xmm or NEON registers otherwise). The matrices are compile-time
// constants and every loop over them is unrolled, so zero coefficients cost nothing and +-1
// become additions. Everything here has internal linkage: each ISA's unit gets its own copy.
//
// Eight neighbouring tiles of one tile row read (and write) 8*m consecutive floats per image row,
// so patches are loaded with whole-vector loads and de-interleaved by m (and results interleaved
// back) with shuffles; lanes whose tiles lie in the next tile row are loaded the same way from
// that row and blended in.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv/winograd_matrices.h"
#include "conv/winograd_tiles.h"

namespace cnnengine {
namespace {

typedef float Vec8 __attribute__((vector_size(32)));
typedef int Vec8i __attribute__((vector_size(32)));
constexpr int kLanes = kWinogradLanes;
constexpr int kPanelTiles = 16;  // NR of the GEMM micro-kernel

#if defined(__clang__)
#define CNNENGINE_SHUFFLE8(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define CNNENGINE_SHUFFLE8(a, b, ...) __builtin_shuffle(a, b, Vec8i{__VA_ARGS__})
#endif

// Unaligned whole-vector access (one vmovups with AVX2; memcpy may be split into halves that
// defeat store-to-load forwarding).
typedef float UnalignedVec8 __attribute__((vector_size(32), aligned(4)));
inline void load8(Vec8& v, const float* p) { v = *reinterpret_cast<const UnalignedVec8*>(p); }
inline void store8(float* p, const Vec8& v) { *reinterpret_cast<UnalignedVec8*>(p) = v; }

// out[i * out_stride] = sum_j mat[i][j] * in[j * in_stride], zero terms skipped at compile time.
template <int Rows, int Cols>
inline void apply_matrix(const float (&mat)[Rows][Cols], const Vec8* in, int in_stride, Vec8* out, int out_stride) {
#pragma GCC unroll 8
    for (int i = 0; i < Rows; ++i) {
        Vec8 acc = {};
        bool first = true;
#pragma GCC unroll 8
        for (int j = 0; j < Cols; ++j) {
            if (mat[i][j] == 0.0f) continue;
            const Vec8 term = mat[i][j] == 1.0f ? in[j * in_stride] : mat[i][j] * in[j * in_stride];
            acc = first ? term : acc + term;
            first = false;
        }
        out[i * out_stride] = acc;
    }
}

// out[c] = lane k's patch element c of one image row = p[k * M + c], k = 0..7, c < M + 2.
template <int M>
inline void load_patch_row(const float* p, Vec8* out) {
    if constexpr (M == 2) {
        for (int shift = 0; shift < 4; shift += 2) {  // columns 0,1 then 2,3
            Vec8 a, b;
            load8(a, p + shift);
            load8(b, p + shift + 8);
            out[shift] = CNNENGINE_SHUFFLE8(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
            out[shift + 1] = CNNENGINE_SHUFFLE8(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
        }
    } else if constexpr (M == 4) {
        for (int shift = 0; shift < 8; shift += 4) {  // columns 0..3 then 4,5
            Vec8 a, b, c, e;
            load8(a, p + shift);
            load8(b, p + shift + 8);
            load8(c, p + shift + 16);
            load8(e, p + shift + 24);
            const Vec8 ab02 = CNNENGINE_SHUFFLE8(a, b, 0, 4, 8, 12, 1, 5, 9, 13);
            const Vec8 ab13 = CNNENGINE_SHUFFLE8(a, b, 2, 6, 10, 14, 3, 7, 11, 15);
            const Vec8 ce02 = CNNENGINE_SHUFFLE8(c, e, 0, 4, 8, 12, 1, 5, 9, 13);
            const Vec8 ce13 = CNNENGINE_SHUFFLE8(c, e, 2, 6, 10, 14, 3, 7, 11, 15);
            out[shift] = CNNENGINE_SHUFFLE8(ab02, ce02, 0, 1, 2, 3, 8, 9, 10, 11);
            out[shift + 1] = CNNENGINE_SHUFFLE8(ab02, ce02, 4, 5, 6, 7, 12, 13, 14, 15);
            if (shift == 0) {
                out[2] = CNNENGINE_SHUFFLE8(ab13, ce13, 0, 1, 2, 3, 8, 9, 10, 11);
                out[3] = CNNENGINE_SHUFFLE8(ab13, ce13, 4, 5, 6, 7, 12, 13, 14, 15);
            }
        }
    } else {
        for (int c = 0; c < M + 2; ++c) {
            const float* q = p + c;
            out[c] = Vec8{q[0], q[M], q[2 * M], q[3 * M], q[4 * M], q[5 * M], q[6 * M], q[7 * M]};
        }
    }
}

// rows[r][k * M + c] = out[r * M + c][k]: the lanes' output tiles side by side, row by row.
template <int M>
inline void interleave_tiles(const Vec8* out, float (*rows)[kLanes * M]) {
    for (int r = 0; r < M; ++r) {
        const Vec8* c = out + r * M;
        if constexpr (M == 2) {
            store8(rows[r], CNNENGINE_SHUFFLE8(c[0], c[1], 0, 8, 1, 9, 2, 10, 3, 11));
            store8(rows[r] + 8, CNNENGINE_SHUFFLE8(c[0], c[1], 4, 12, 5, 13, 6, 14, 7, 15));
        } else if constexpr (M == 4) {
            const Vec8 lo02 = CNNENGINE_SHUFFLE8(c[0], c[2], 0, 8, 1, 9, 2, 10, 3, 11);
            const Vec8 hi02 = CNNENGINE_SHUFFLE8(c[0], c[2], 4, 12, 5, 13, 6, 14, 7, 15);
            const Vec8 lo13 = CNNENGINE_SHUFFLE8(c[1], c[3], 0, 8, 1, 9, 2, 10, 3, 11);
            const Vec8 hi13 = CNNENGINE_SHUFFLE8(c[1], c[3], 4, 12, 5, 13, 6, 14, 7, 15);
            store8(rows[r], CNNENGINE_SHUFFLE8(lo02, lo13, 0, 8, 1, 9, 2, 10, 3, 11));
            store8(rows[r] + 8, CNNENGINE_SHUFFLE8(lo02, lo13, 4, 12, 5, 13, 6, 14, 7, 15));
            store8(rows[r] + 16, CNNENGINE_SHUFFLE8(hi02, hi13, 0, 8, 1, 9, 2, 10, 3, 11));
            store8(rows[r] + 24, CNNENGINE_SHUFFLE8(hi02, hi13, 4, 12, 5, 13, 6, 14, 7, 15));
        } else {
            for (int k = 0; k < kLanes; ++k)
                for (int col = 0; col < M; ++col) rows[r][k * M + col] = c[col][k];
        }
    }
}

// Splits the lanes of a group (tiles first_tile .. first_tile + lanes - 1) into runs that share a
// tile row (and so an image); calls segment(first lane of the run, its tile) for each, in order.
template <class Segment>
inline void for_each_row_segment(int64_t first_tile, int64_t lanes, int64_t tiles_w, Segment&& segment) {
    for (int64_t k = 0; k < lanes;) {
        const int64_t t = first_tile + k;
        segment(k, t);
        k += tiles_w - t % tiles_w;
    }
}

template <int M>
void input_transform(const WinogradInputJob& job) {
    using W = WinogradMatrices<M>;
    constexpr int A = W::alpha;
    const Vec8i lane_index = {0, 1, 2, 3, 4, 5, 6, 7};
    const int64_t lanes_total = (job.count + kLanes - 1) / kLanes * kLanes;
    for (int64_t g = 0; g < lanes_total; g += kLanes) {
        // Runs of lanes in one tile row: (first lane, offset of channel 0 where lane 0 would start
        // if all lanes lay in that row). Lanes past the block compute garbage no output reads.
        int64_t run_lane[kLanes], run_offset[kLanes], runs = 0;
        for_each_row_segment(job.first + g, std::min<int64_t>(kLanes, job.count - g), job.tiles_w,
                             [&](int64_t k, int64_t t) {
            const int64_t u = t % job.tiles_per_image;
            run_lane[runs] = k;
            run_offset[runs++] = t / job.tiles_per_image * job.image_stride +
                                 u / job.tiles_w * M * job.row_stride + (u % job.tiles_w - k) * M;
        });
        float* dst = job.v + (g / kPanelTiles) * job.channels * kPanelTiles + g % kPanelTiles;
        for (int64_t c = 0; c < job.channels; ++c) {
            const float* plane = job.input + c * job.plane_stride;
            Vec8 rows_done[A * A];  // rows_done[r * A + j] = (d B)[r][j]
            for (int r = 0; r < A; ++r) {
                Vec8 d[A], run_d[A];
                load_patch_row<M>(plane + run_offset[0] + r * job.row_stride, d);
                for (int64_t run = 1; run < runs; ++run) {
                    load_patch_row<M>(plane + run_offset[run] + r * job.row_stride, run_d);
                    const Vec8i take = lane_index >= static_cast<int>(run_lane[run]);
                    for (int e = 0; e < A; ++e)
                        d[e] = reinterpret_cast<Vec8>((reinterpret_cast<Vec8i>(run_d[e]) & take) |
                                                      (reinterpret_cast<Vec8i>(d[e]) & ~take));
                }
                apply_matrix(W::BT, d, 1, rows_done + r * A, 1);
            }
            Vec8 v[A];
            float* out = dst + c * kPanelTiles;
#pragma GCC unroll 8
            for (int j = 0; j < A; ++j) {  // column j of BT (d B)
                apply_matrix(W::BT, rows_done + j, A, v, 1);
#pragma GCC unroll 8
                for (int i = 0; i < A; ++i) store8(out + (i * A + j) * job.xi_stride, v[i]);
            }
        }
    }
}

template <int M>
void output_transform(const WinogradOutputJob& job) {
    using W = WinogradMatrices<M>;
    constexpr int A = W::alpha;
    const int64_t plane = job.out_h * job.out_w;
    for (int64_t row = 0; row < job.rows; ++row) {
        const float bias = job.bias ? job.bias[row] : 0.0f;
        float* y = job.y + row * plane;
        const float* residual = job.residual ? job.residual + row * plane : nullptr;  // y's twin
        for (int64_t g = 0; g < job.count; g += kLanes) {
            const float* src = job.m + row * job.ld + g;
            Vec8 half[A * M], out[M * M];  // half = M A, out = AT M A
#pragma GCC unroll 8
            for (int i = 0; i < A; ++i) {
                Vec8 mv[A];
#pragma GCC unroll 8
                for (int j = 0; j < A; ++j) load8(mv[j], src + (i * A + j) * job.xi_stride);
                apply_matrix(W::AT, mv, 1, half + i * M, 1);
            }
#pragma GCC unroll 8
            for (int c = 0; c < M; ++c) apply_matrix(W::AT, half + c, M, out + c, M);
#pragma GCC unroll 8
            for (int e = 0; e < M * M; ++e) out[e] += bias;
            float rows[M][kLanes * M];
            interleave_tiles<M>(out, rows);
            const int64_t lanes = std::min<int64_t>(kLanes, job.count - g);
            for_each_row_segment(job.first + g, lanes, job.tiles_w, [&](int64_t k, int64_t t) {
                const int64_t u = t % job.tiles_per_image;
                const int64_t oy = u / job.tiles_w * M, ox = u % job.tiles_w * M;
                const int64_t tiles_here = std::min(lanes - k, job.tiles_w - u % job.tiles_w);
                const int64_t height = std::min<int64_t>(M, job.out_h - oy);
                const int64_t width = std::min(tiles_here * M, job.out_w - ox);
                for (int64_t r = 0; r < height; ++r) {
                    const float* values = rows[r] + k * M;
                    const int64_t at = t / job.tiles_per_image * job.image_stride + (oy + r) * job.out_w + ox;
                    float* dst = y + at;
                    for (int64_t i = 0; i < width; ++i) {
                        float value = values[i];
                        if (residual) value += residual[at + i];
                        if (job.relu && value < 0.0f) value = 0.0f;
                        dst[i] = value;
                    }
                }
            });
        }
    }
}

inline WinogradTileKernels tile_kernels_for(int tile) {
    switch (tile) {
        case 2: return {input_transform<2>, output_transform<2>};
        case 4: return {input_transform<4>, output_transform<4>};
        default: return {input_transform<6>, output_transform<6>};
    }
}

#undef CNNENGINE_SHUFFLE8

}  // namespace
}  // namespace cnnengine
