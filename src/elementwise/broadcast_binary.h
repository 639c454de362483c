// Binary element-wise ops with numpy broadcasting (ONNX multidirectional broadcasting): per-channel
// scale and bias (x * s[C,1,1]), squeeze-excitation gates (x[N,C,H,W] * g[N,C,1,1]), scalars, and
// same-shape operands. prelu is x >= 0 ? x : slope * x with the slope broadcast like b.
// y may alias a or b when it has that operand's full shape. Reference: broadcast_binary_ref
// (per element, index arithmetic in full, double precision).
#pragma once

#include <cstdint>
#include <vector>

namespace cnnengine {

enum class BinaryOp { add, sub, mul, div, prelu };

// The broadcast of two shapes, right-aligned; empty optional-like flag when incompatible.
struct BroadcastShapes {
    std::vector<int64_t> out;            // result shape
    std::vector<int64_t> a_strides;      // element strides of a and b over `out` (0 on broadcast axes)
    std::vector<int64_t> b_strides;
    bool compatible = true;

    BroadcastShapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b);
    int64_t size() const;
};

void broadcast_binary(BinaryOp op, const BroadcastShapes& shapes, const float* a, const float* b, float* y);
void broadcast_binary_ref(BinaryOp op, const BroadcastShapes& shapes, const float* a, const float* b, float* y);

}  // namespace cnnengine
