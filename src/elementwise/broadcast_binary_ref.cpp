#include "elementwise/broadcast_binary.h"

namespace cnnengine {

void broadcast_binary_ref(BinaryOp op, const BroadcastShapes& s, const float* a, const float* b, float* y) {
    const int64_t total = s.size();
    for (int64_t flat = 0; flat < total; ++flat) {
        int64_t rest = flat, ia = 0, ib = 0;
        for (int d = static_cast<int>(s.out.size()) - 1; d >= 0; --d) {
            const int64_t i = rest % s.out[d];
            rest /= s.out[d];
            ia += i * s.a_strides[d];
            ib += i * s.b_strides[d];
        }
        const double u = a[ia], v = b[ib];
        double r = 0.0;
        switch (op) {
            case BinaryOp::add: r = u + v; break;
            case BinaryOp::sub: r = u - v; break;
            case BinaryOp::mul: r = u * v; break;
            case BinaryOp::div: r = u / v; break;
            case BinaryOp::prelu: r = u < 0.0 ? u * v : u; break;
        }
        y[flat] = static_cast<float>(r);
    }
}

}  // namespace cnnengine
