// One torch.optim.SGD update of one parameter in a single pass over param, grad and the momentum
// buffer:
//   g = grad + weight_decay * param
//   buf = g on the first step, else momentum * buf + (1 - dampening) * g   (when momentum != 0)
//   g = g + momentum * buf if nesterov else buf                          (when momentum != 0)
//   param -= lr * g
// The numpy form took five passes with temporaries (about 27 us per LeNet parameter per step).
#pragma once

#include <cstdint>

namespace cnnengine {

struct SgdHyper {
    float lr = 0.0f, momentum = 0.0f, dampening = 0.0f, weight_decay = 0.0f;
    bool nesterov = false;
};

// momentum_buffer: null when momentum is 0; `first`: it holds zeros and is set to g. The three
// arrays must not overlap.
void sgd_step(float* param, const float* grad, float* momentum_buffer, int64_t count, const SgdHyper& h, bool first);

}  // namespace cnnengine
