#include <algorithm>

#include "elementwise/broadcast_binary.h"

namespace cnnengine {

namespace {

// Contiguous strides of `shape` laid over `out` (right-aligned), 0 where the operand broadcasts.
std::vector<int64_t> strides_over(const std::vector<int64_t>& shape, size_t rank) {
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
        const size_t from_end = i + 1;
        const int64_t dim = shape[shape.size() - from_end];
        strides[rank - from_end] = dim == 1 ? 0 : stride;
        stride *= dim;
    }
    return strides;
}

}  // namespace

BroadcastShapes::BroadcastShapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    const size_t rank = std::max(a.size(), b.size());
    out.assign(rank, 1);
    for (size_t i = 0; i < rank; ++i) {
        const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
        const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
        if (da != db && da != 1 && db != 1) compatible = false;
        out[rank - 1 - i] = da == 1 ? db : da;
    }
    a_strides = strides_over(a, rank);
    b_strides = strides_over(b, rank);
}

int64_t BroadcastShapes::size() const {
    int64_t n = 1;
    for (int64_t d : out) n *= d;
    return n;
}

}  // namespace cnnengine
