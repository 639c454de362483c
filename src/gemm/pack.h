// Packed operands of the SGEMM driver. Layouts (MR = 6, NR = 16, zero padding past the edge):
//   PackedA: MR-row panels over the full depth K: panel p = rows [p*MR, p*MR+MR), a[k*MR + r].
//   PackedB: NR-column panels over the full depth K: panel q = cols [q*NR, q*NR+NR), b[k*NR + c].
//   B blocks packed per call: the same NR-column panels for rows [k0, k0+kc), panel stride kc*NR.
// Weights are packed once (conv: as A; linear: as B) and reused by every call.
#pragma once

#include <cstdint>
#include <utility>

#include "common/aligned_buffer.h"
#include "gemm/sgemm_ukernel.h"

namespace cnnengine {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Packed A layout: panel p holds rows [p*MR, p*MR+MR), MR floats per depth step, panels one
// after another. This is where panel p starts at depth k, for a matrix of depth `depth`.
inline int64_t packed_a_offset(int64_t p, int64_t depth, int64_t k = 0) { return (p * depth + k) * kGemmMR; }

class PackedA {
public:
    PackedA() = default;
    // From a row-major M x K matrix with row stride lda; large matrices are packed by the team.
    PackedA(const float* a, int64_t lda, int64_t rows, int64_t depth) : PackedA(a, lda, rows, depth, AlignedBuffer()) {}
    // Same, reusing `storage` (e.g. a per-thread scratch handed back by release_storage()) so that
    // per-call packing does not fault in fresh pages every time.
    PackedA(const float* a, int64_t lda, int64_t rows, int64_t depth, AlignedBuffer&& storage);

    int64_t rows() const { return rows_; }
    int64_t depth() const { return depth_; }
    // Panel holding rows [p*MR, p*MR+MR), starting at depth k.
    const float* panel(int64_t p, int64_t k) const { return data_.data() + packed_a_offset(p, depth_, k); }
    int64_t bytes() const { return ceil_div(rows_, kGemmMR) * depth_ * kGemmMR * sizeof(float); }
    AlignedBuffer release_storage() { return std::move(data_); }

private:
    int64_t rows_ = 0, depth_ = 0;
    AlignedBuffer data_;
};

// A PackedA of per-call data (activations) built in this thread's reusable scratch memory.
class ScratchPackedA {
public:
    ScratchPackedA(const float* a, int64_t lda, int64_t rows, int64_t depth)
        : packed_(a, lda, rows, depth, std::move(scratch())) {}
    ~ScratchPackedA() { scratch() = packed_.release_storage(); }
    ScratchPackedA(const ScratchPackedA&) = delete;
    ScratchPackedA& operator=(const ScratchPackedA&) = delete;
    const PackedA& get() const { return packed_; }

private:
    static AlignedBuffer& scratch() {
        thread_local AlignedBuffer storage;
        return storage;
    }
    PackedA packed_;
};

class PackedB {
public:
    PackedB() = default;
    // From B = W^T where W is a row-major N x K matrix (a Linear weight [out, in]).
    static PackedB from_transposed(const float* w, int64_t ldw, int64_t depth, int64_t cols);

    int64_t depth() const { return depth_; }
    int64_t cols() const { return cols_; }
    const float* panel(int64_t q, int64_t k) const { return data_.data() + (q * depth_ + k) * kGemmNR; }

private:
    int64_t depth_ = 0, cols_ = 0;
    AlignedBuffer data_;
};

// Packs rows [k0, k0+kc) and columns [n0, n0+nc) of a row-major matrix (row stride ldb) into
// NR-column panels at `out` (panel stride kc*NR).
void pack_b_block_from_matrix(const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t n0,
                              int64_t nc, float* out);

}  // namespace cnnengine
