// An activation given from Python as (kind, alpha, beta), shared by the point-wise binding and
// the layers that fuse an activation into their output (Conv2d.forward).
#pragma once

#include <string>

#include "elementwise/activation.h"

namespace cnnengine::bindings {

// kind: leaky_relu, sigmoid, hard_sigmoid, hard_swish, tanh or clip (ONNX meaning of alpha and
// beta; clip: min, max). ValueError for an unknown kind, NaN parameters or min > max.
Activation make_activation(const std::string& name, double alpha, double beta);

}  // namespace cnnengine::bindings
