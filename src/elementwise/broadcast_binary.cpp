#include "elementwise/broadcast_binary.h"

#include "common/parallel_ranges.h"

namespace cnnengine {

namespace {

// The broadcast collapsed to rows: `rows` runs of `inner` output elements; within a run each
// operand is contiguous (step 1) or one repeated value (step 0). Row r starts at a_row(r), b_row(r).
struct RowPlan {
    std::vector<int64_t> outer_dims, outer_a, outer_b;  // the axes before the inner run
    int64_t inner = 1, a_step = 0, b_step = 0;

    explicit RowPlan(const BroadcastShapes& s) {
        // Merge trailing axes while both operands keep one step kind (1: contiguous, 0: broadcast).
        int axis = static_cast<int>(s.out.size()) - 1;
        while (axis >= 0 && s.out[axis] == 1) --axis;
        if (axis >= 0) {
            a_step = s.a_strides[axis] ? 1 : 0;
            b_step = s.b_strides[axis] ? 1 : 0;
        }
        for (; axis >= 0; --axis) {
            if (s.out[axis] == 1) continue;
            const bool a_fits = s.a_strides[axis] == a_step * inner, b_fits = s.b_strides[axis] == b_step * inner;
            if (!a_fits || !b_fits) break;
            inner *= s.out[axis];
        }
        for (int d = 0; d <= axis; ++d) {
            outer_dims.push_back(s.out[d]);
            outer_a.push_back(s.a_strides[d]);
            outer_b.push_back(s.b_strides[d]);
        }
    }

    int64_t rows() const {
        int64_t n = 1;
        for (int64_t d : outer_dims) n *= d;
        return n;
    }

    // Offsets of row r in a and b.
    void offsets(int64_t r, int64_t* a_off, int64_t* b_off) const {
        *a_off = *b_off = 0;
        for (int d = static_cast<int>(outer_dims.size()) - 1; d >= 0; --d) {
            const int64_t i = r % outer_dims[d];
            r /= outer_dims[d];
            *a_off += i * outer_a[d];
            *b_off += i * outer_b[d];
        }
    }
};

template <class F>
void run_row(const float* a, int64_t a_step, const float* b, int64_t b_step, float* y, int64_t n, F f) {
    // Separate loops per step kind so the compiler vectorizes each.
    if (a_step && b_step) {
        for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
    } else if (a_step) {
        const float bv = b[0];
        for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], bv);
    } else if (b_step) {
        const float av = a[0];
        for (int64_t i = 0; i < n; ++i) y[i] = f(av, b[i]);
    } else {
        const float v = f(a[0], b[0]);
        for (int64_t i = 0; i < n; ++i) y[i] = v;
    }
}

template <class F>
void run(const BroadcastShapes& shapes, const float* a, const float* b, float* y, F f) {
    const RowPlan plan(shapes);
    parallel_ranges(plan.rows(), plan.inner, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            int64_t a_off, b_off;
            plan.offsets(r, &a_off, &b_off);
            run_row(a + a_off, plan.a_step, b + b_off, plan.b_step, y + r * plan.inner, plan.inner, f);
        }
    });
}

}  // namespace

void broadcast_binary(BinaryOp op, const BroadcastShapes& shapes, const float* a, const float* b, float* y) {
    switch (op) {
        case BinaryOp::add: return run(shapes, a, b, y, [](float u, float v) { return u + v; });
        case BinaryOp::sub: return run(shapes, a, b, y, [](float u, float v) { return u - v; });
        case BinaryOp::mul: return run(shapes, a, b, y, [](float u, float v) { return u * v; });
        case BinaryOp::div: return run(shapes, a, b, y, [](float u, float v) { return u / v; });
        case BinaryOp::prelu: return run(shapes, a, b, y, [](float u, float v) { return u < 0.0f ? u * v : u; });
    }
}

}  // namespace cnnengine
