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
#include <cstring>

#include "conv/winograd_matrices.h"
#include "conv/winograd_tiles.h"

namespace cnnengine {
namespace {

typedef float Vec8 __attribute__((vector_size(32)));
typedef int Vec8i __attribute__((vector_size(32)));
constexpr int kLanes = 8;
constexpr int kPanelTiles = 16;  // NR of the GEMM micro-kernel

#if defined(__clang__)
#define CNNENGINE_SHUFFLE8(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define CNNENGINE_SHUFFLE8(a, b, ...) __builtin_shuffle(a, b, Vec8i{__VA_ARGS__})
#endif

inline void load8(Vec8& v, const float* p) { std::memcpy(&v, p, sizeof v); }
inline void store8(float* p, const Vec8& v) { std::memcpy(p, &v, sizeof v); }

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

// d[r * A + c] = lane k's patch element (r, c) = base[r * row_stride + k * M + c], k = 0..7.
template <int M>
inline void load_patches(const float* base, int64_t row_stride, Vec8* d) {
    constexpr int A = M + 2;
    for (int r = 0; r < A; ++r) {
        const float* p = base + r * row_stride;
        Vec8* out = d + r * A;
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
            for (int c = 0; c < A; ++c) {
                const float* q = p + c;
                out[c] = Vec8{q[0], q[M], q[2 * M], q[3 * M], q[4 * M], q[5 * M], q[6 * M], q[7 * M]};
            }
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
// tile row; calls segment(first lane of the run, its tile) for each run, in order.
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
    const int64_t first_row = job.first / job.tiles_w;
    const int64_t last_row = (job.first + job.count - 1) / job.tiles_w;
    const int64_t staged_rows = (last_row - first_row) * M + A;
    const int64_t staged_w = job.tiles_w * M + 2;
    const int64_t y0 = first_row * M - job.pad_top, x0 = -job.pad_left;
    const int64_t copy_begin = std::max<int64_t>(0, -x0), copy_end = std::min(staged_w, job.w - x0);
    float* staging = job.staging + kWinogradStagingMargin;
    const Vec8i lane_index = {0, 1, 2, 3, 4, 5, 6, 7};

    for (int64_t c = 0; c < job.channels; ++c) {
        // Stage the block's input rows with their zero padding, so the loads need no bounds checks.
        const float* plane = job.image + c * job.h * job.w;
        for (int64_t r = 0; r < staged_rows; ++r) {
            float* row = staging + r * staged_w;
            const int64_t y = y0 + r;
            if (y < 0 || y >= job.h || copy_begin >= copy_end) {
                std::fill(row, row + staged_w, 0.0f);
                continue;
            }
            std::fill(row, row + copy_begin, 0.0f);
            std::memcpy(row + copy_begin, plane + y * job.w + x0 + copy_begin, (copy_end - copy_begin) * sizeof(float));
            std::fill(row + copy_end, row + staged_w, 0.0f);
        }
        for (int64_t g = 0; g < job.count; g += kLanes) {
            // Lanes past the block compute garbage that no output reads.
            auto patch_base = [&](int64_t k, int64_t t) {  // where lane 0 would start for lane k's row
                return staging + (t / job.tiles_w - first_row) * M * staged_w + (t % job.tiles_w - k) * M;
            };
            Vec8 d[A * A], segment_d[A * A];
            load_patches<M>(patch_base(0, job.first + g), staged_w, d);
            for_each_row_segment(job.first + g, std::min<int64_t>(kLanes, job.count - g), job.tiles_w,
                                 [&](int64_t k, int64_t t) {
                if (k == 0) return;  // loaded above
                load_patches<M>(patch_base(k, t), staged_w, segment_d);
                const Vec8i take = lane_index >= static_cast<int>(k);
                for (int e = 0; e < A * A; ++e)
                    d[e] = reinterpret_cast<Vec8>((reinterpret_cast<Vec8i>(segment_d[e]) & take) |
                                                  (reinterpret_cast<Vec8i>(d[e]) & ~take));
            });
            Vec8 rows_done[A * A], v[A * A];  // rows_done = BT d, v = rows_done B
#pragma GCC unroll 8
            for (int col = 0; col < A; ++col) apply_matrix(W::BT, d + col, A, rows_done + col, A);
#pragma GCC unroll 8
            for (int i = 0; i < A; ++i) apply_matrix(W::BT, rows_done + i * A, 1, v + i * A, 1);
            float* dst = job.v + (g / kPanelTiles) * job.channels * kPanelTiles + c * kPanelTiles + g % kPanelTiles;
#pragma GCC unroll 8
            for (int xi = 0; xi < A * A; ++xi) store8(dst + xi * job.xi_stride, v[xi]);
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
        const float* residual = job.residual ? job.residual + row * plane : nullptr;
        for (int64_t g = 0; g < job.count; g += kLanes) {
            const float* src = job.m + row * job.ld + g;
            Vec8 mv[A * A], half[A * M], out[M * M];
#pragma GCC unroll 8
            for (int xi = 0; xi < A * A; ++xi) load8(mv[xi], src + xi * job.xi_stride);
#pragma GCC unroll 8
            for (int i = 0; i < A; ++i) apply_matrix(W::AT, mv + i * A, 1, half + i * M, 1);  // M A
#pragma GCC unroll 8
            for (int c = 0; c < M; ++c) apply_matrix(W::AT, half + c, M, out + c, M);  // AT (M A)
#pragma GCC unroll 8
            for (int e = 0; e < M * M; ++e) out[e] += bias;
            float rows[M][kLanes * M];
            interleave_tiles<M>(out, rows);
            const int64_t lanes = std::min<int64_t>(kLanes, job.count - g);
            for_each_row_segment(job.first + g, lanes, job.tiles_w, [&](int64_t k, int64_t t) {
                const int64_t oy = t / job.tiles_w * M, ox = t % job.tiles_w * M;
                const int64_t tiles_here = std::min(lanes - k, job.tiles_w - t % job.tiles_w);
                const int64_t height = std::min<int64_t>(M, job.out_h - oy);
                const int64_t width = std::min(tiles_here * M, job.out_w - ox);
                for (int64_t r = 0; r < height; ++r) {
                    const float* values = rows[r] + k * M;
                    const int64_t at = (oy + r) * job.out_w + ox;
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
