#include "training/sgd_step.h"

namespace cnnengine {

namespace {

// One loop per combination of switches, so that each is a straight vectorised pass (with the
// switches tested inside, it ran slower than numpy's five passes).
template <bool kDecay, bool kMomentum, bool kNesterov>
void sgd_pass(float* __restrict param, const float* __restrict grad, float* __restrict buffer, int64_t count,
              float lr, float weight_decay, float momentum, float keep) {
    for (int64_t i = 0; i < count; ++i) {
        float g = grad[i];
        if (kDecay) g += weight_decay * param[i];
        if (kMomentum) {
            const float buf = momentum * buffer[i] + keep * g;
            buffer[i] = buf;
            g = kNesterov ? g + momentum * buf : buf;
        }
        param[i] -= lr * g;
    }
}

template <bool kDecay>
void sgd_pass_for(float* param, const float* grad, float* buffer, int64_t count, const SgdHyper& h, float keep) {
    if (!buffer)
        sgd_pass<kDecay, false, false>(param, grad, buffer, count, h.lr, h.weight_decay, h.momentum, keep);
    else if (h.nesterov)
        sgd_pass<kDecay, true, true>(param, grad, buffer, count, h.lr, h.weight_decay, h.momentum, keep);
    else
        sgd_pass<kDecay, true, false>(param, grad, buffer, count, h.lr, h.weight_decay, h.momentum, keep);
}

}  // namespace

void sgd_step(float* param, const float* grad, float* momentum_buffer, int64_t count, const SgdHyper& h, bool first) {
    // The first step sets buf = g: from a zeroed buffer, momentum * 0 + 1 * g is exactly g.
    const float keep = first ? 1.0f : 1.0f - h.dampening;
    if (h.weight_decay != 0.0f)
        sgd_pass_for<true>(param, grad, momentum_buffer, count, h, keep);
    else
        sgd_pass_for<false>(param, grad, momentum_buffer, count, h, keep);
}

}  // namespace cnnengine
