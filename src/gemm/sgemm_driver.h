// Goto/BLIS-blocked SGEMM driver: C[M x N] = A[M x K] * B[K x N] with a fused epilogue.
// A is either pre-packed (PackedA: weights) or a row-major matrix packed block by block right
// before use. B is either pre-packed (PackedB) or packed block by block by a BPanelPacker, which
// lets convolution fuse im2col into the packing of B.
// Loop order per task: N in NC blocks > K in KC blocks (pack B) > M in MC blocks > NR > MR.
// When all rows of A fit in L2 (conv layers with few output channels), B is instead packed one
// NR-column panel at a time right before the MR loop uses it, so it never leaves L1.
#pragma once

#include <cstdint>
#include <vector>

#include "elementwise/activation.h"
#include "gemm/pack.h"

namespace cnnengine {

// Blocking for Zen3-class caches (BLIS values): the A block MC x KC (144 KiB) stays in L2,
// one B micro-panel KC x NR (<= 20 KiB) in L1.
constexpr int64_t kGemmMaxKC = 320;  // K is cut into equal blocks of at most this depth
constexpr int64_t kGemmMC = 144;   // multiple of MR
constexpr int64_t kGemmNC = 4080;  // multiple of NR
constexpr int64_t kGemmPanelPackMaxRows = 192;  // A of up to 192 x KC floats stays in L2

// Packs rows [k0, k0+kc), columns [n0, n0+nc) of B into NR-column panels (stride kc*NR, zero padded).
class BPanelPacker {
public:
    virtual ~BPanelPacker() = default;
    virtual void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* out) const = 0;
};

// B as a plain row-major K x N matrix.
class MatrixBPacker final : public BPanelPacker {
public:
    MatrixBPacker(const float* b, int64_t ldb) : b_(b), ldb_(ldb) {}
    void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* out) const override {
        pack_b_block_from_matrix(b_, ldb_, k0, kc, n0, nc, out);
    }

private:
    const float* b_;
    int64_t ldb_;
};

// The left operand: a PackedA (converts implicitly), or a row-major M x K matrix (row stride
// lda) whose blocks the driver packs into per-thread scratch as it reaches them, so that a
// block is in L2 when the micro-kernel reads it (packing all of A up front wrote it to memory
// and read it back).
class GemmA {
public:
    GemmA(const PackedA& packed) : packed_(&packed), rows_(packed.rows()), depth_(packed.depth()) {}
    GemmA(const float* matrix, int64_t lda, int64_t rows, int64_t depth)
        : matrix_(matrix), lda_(lda), rows_(rows), depth_(depth) {}

    int64_t rows() const { return rows_; }
    int64_t depth() const { return depth_; }
    // The pre-packed matrix, or null for a row-major one.
    const PackedA* packed() const { return packed_; }

    // The MR-row panels of rows [m_begin, m_end) (m_begin a multiple of MR) at depths
    // [k0, k0 + kc): the first panel, and the distance between panels.
    struct Panels {
        const float* first;
        int64_t stride;
    };
    Panels panels(int64_t m_begin, int64_t m_end, int64_t k0, int64_t kc) const;

private:
    const PackedA* packed_ = nullptr;
    const float* matrix_ = nullptr;
    int64_t lda_ = 0, rows_ = 0, depth_ = 0;
};

struct GemmB {
    const BPanelPacker* packer = nullptr;  // exactly one of packer / packed is set
    const PackedB* packed = nullptr;
    int64_t cols = 0;
};

struct GemmOutput {
    float* c = nullptr;
    int64_t ldc = 0;
    const float* row_bias = nullptr;  // [M] or null
    const float* col_bias = nullptr;  // [N] or null
    const float* residual = nullptr;  // [M x N] with row stride ldr, or null
    int64_t ldr = 0;
    bool relu = false;
    const Activation* activation = nullptr;  // clamp-shaped, after the ReLU (sgemm_ukernel.h)
    bool accumulate = false;  // add the product to what C holds (else C is overwritten)
};

// A rectangle of C: rows [m_begin, m_end) (m_begin a multiple of MR), cols [n_begin, n_end)
// (n_begin a multiple of NR).
struct GemmRange {
    int64_t m_begin, m_end, n_begin, n_end;
};

// Pre-packed weights of at least this size, multiplied by at most kStreamAMaxCols columns, are
// read from DRAM once per call: sgemm_range then runs each row panel over its whole depth.
constexpr int64_t kStreamAMinBytes = 2 * 1024 * 1024;
constexpr int64_t kStreamAMaxCols = 4 * kGemmNR;
// True when sgemm_range takes that path for A against `cols` columns.
bool gemm_streams_a(const GemmA& a, int64_t cols);

// Computes one rectangle of C on the calling thread.
void sgemm_range(const GemmA& a, const GemmB& b, const GemmOutput& out, const GemmRange& range);

// Splits C[M x N] into about `parts` rectangles of whole micro-tiles, balancing the micro-tiles per
// part; when B is packed per call (`packs_b`), every part packs the B panels of its columns, so
// splitting rows repeats that work and counts against it.
std::vector<GemmRange> split_gemm(int64_t rows, int64_t cols, int parts, bool packs_b);

// Whole product on the process thread team.
void sgemm(const GemmA& a, const GemmB& b, const GemmOutput& out);

}  // namespace cnnengine
