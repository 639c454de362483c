"""Point-wise layers beyond relu/add: the activations of _C.activation (leaky_relu, sigmoid,
hard_sigmoid, hard_swish, tanh, clip), prelu with a learned slope, broadcasting binary ops
(per-channel scale and bias, squeeze-excitation gates, scalars) and reshape (a view)."""
import math

import numpy as np

from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import Layer, bindable, require_attr


class Activation(Layer):
    """One _C.activation kind; `attr_names` are the node attributes passed as (alpha, beta)."""

    in_place = True
    attr_names = ()
    defaults = ()

    def check_attrs(self, node):
        for name in self.attr_names:
            require_attr(node, name, (int, float), optional=True)

    def output_shape(self, node, input_shapes):
        return tuple(input_shapes[0])

    def arguments(self, node):
        """(kind, alpha, beta) for _C.activation; kinds with fewer parameters ignore the rest."""
        values = [float(node.attrs.get(n, d)) for n, d in zip(self.attr_names, self.defaults)]
        return (self.op, *(values + [0.0, 0.0])[:2])

    def prepare(self, node, params):
        kind, alpha, beta = self.arguments(node)
        return bindable(lambda inputs, out: _C.activation(inputs[0], kind, alpha, beta, out=out),
                        lambda steps, inputs, out: _C.bind_activation(steps, inputs[0], kind, alpha, beta, out))


@register
class LeakyReLU(Activation):
    op = "leaky_relu"
    attr_names, defaults = ("negative_slope",), (0.01,)


@register
class Sigmoid(Activation):
    op = "sigmoid"


@register
class HardSigmoid(Activation):
    op = "hard_sigmoid"
    attr_names, defaults = ("alpha", "beta"), (1 / 6, 0.5)  # PyTorch's Hardsigmoid; ONNX gives 0.2, 0.5


@register
class HardSwish(Activation):
    op = "hard_swish"


@register
class Tanh(Activation):
    op = "tanh"


@register
class Clip(Activation):
    op = "clip"
    attr_names, defaults = ("min", "max"), (-math.inf, math.inf)

    def check_attrs(self, node):
        super().check_attrs(node)
        if node.attrs.get("min", -math.inf) > node.attrs.get("max", math.inf):
            raise GraphError(f"node '{node.name}' (clip): min must be <= max")


def operand_shape(node):
    shape = require_attr(node, "operand_shape", (list, tuple))
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in shape):
        raise GraphError(f"node '{node.name}' ({node.op}): operand_shape {shape!r} must be positive ints")
    return tuple(shape)


def broadcast_keeping_batch(node, a, b):
    """numpy broadcasting of two full shapes, where the batch (dim 0 of the result) must come from the inputs."""
    try:
        out = tuple(np.broadcast_shapes(tuple(a), tuple(b)))
    except ValueError:
        raise GraphError(f"node '{node.name}' ({node.op}): shapes {tuple(a)} and {tuple(b)} do not broadcast") from None
    if len(out) != max(len(a), len(b)) or out[0] != a[0]:
        raise GraphError(f"node '{node.name}' ({node.op}): broadcasting {tuple(a)} with {tuple(b)} would change the "
                         "batch dimension")
    return out


@register
class Binary(Layer):
    """a <op> b with broadcasting. Two inputs, or one input and a constant parameter 'operand'
    (attrs operand_shape; operand_first=True puts the constant on the left: c - x, c / x)."""

    op = "binary"
    params = {"operand": False}
    num_inputs = None
    in_place = True
    OPS = ("add", "sub", "mul", "div")

    def check_attrs(self, node):
        if node.attrs.get("op") not in self.OPS:
            raise GraphError(f"node '{node.name}' (binary): op must be one of {self.OPS}, got {node.attrs.get('op')!r}")
        constant = "operand_shape" in node.attrs
        if len(node.inputs) != (1 if constant else 2):
            raise GraphError(f"node '{node.name}' (binary): expected {1 if constant else 2} input(s) "
                             f"{'with' if constant else 'without'} a constant operand, got {len(node.inputs)}")
        if constant:
            operand_shape(node)

    def param_shapes(self, node):
        return {"operand": operand_shape(node)} if "operand_shape" in node.attrs else {}

    def output_shape(self, node, input_shapes):
        first = input_shapes[0]
        if "operand_shape" in node.attrs:
            if len(operand_shape(node)) > len(first):
                raise GraphError(f"node '{node.name}' (binary): constant operand of shape {operand_shape(node)} has a "
                                 f"higher rank than the input {tuple(first)}")
            return broadcast_keeping_batch(node, first, operand_shape(node))
        return broadcast_keeping_batch(node, first, input_shapes[1])

    def prepare(self, node, params):
        op = node.attrs["op"]
        operand = params.get("operand")
        if operand is None:
            return lambda inputs, out: _C.binary(inputs[0], inputs[1], op, out=out)
        if node.attrs.get("operand_first"):
            return lambda inputs, out: _C.binary(operand, inputs[0], op, out=out)
        return lambda inputs, out: _C.binary(inputs[0], operand, op, out=out)


@register
class PReLU(Layer):
    """x >= 0 ? x : slope * x, the slope ('weight', shape attrs slope_shape) broadcast over x."""

    op = "prelu"
    params = {"weight": True}
    in_place = True

    def check_attrs(self, node):
        slope_shape(node)

    def param_shapes(self, node):
        return {"weight": slope_shape(node)}

    def output_shape(self, node, input_shapes):
        return broadcast_keeping_batch(node, input_shapes[0], slope_shape(node))

    def prepare(self, node, params):
        slope = params["weight"]
        return lambda inputs, out: _C.binary(inputs[0], slope, "prelu", out=out)


def slope_shape(node):
    shape = require_attr(node, "slope_shape", (list, tuple))
    if not all(isinstance(d, int) and d >= 1 for d in shape):
        raise GraphError(f"node '{node.name}' (prelu): slope_shape {shape!r} must be positive ints")
    return tuple(shape)


@register
class Reshape(Layer):
    """A view with a new per-sample shape (the batch stays); one entry may be -1."""

    op = "reshape"
    view = True

    def check_attrs(self, node):
        shape = require_attr(node, "shape", (list, tuple))
        if not all(isinstance(d, int) and (d >= 1 or d == -1) for d in shape) or list(shape).count(-1) > 1:
            raise GraphError(f"node '{node.name}' (reshape): shape {shape!r} must be positive ints and at most one -1")

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        per_sample = math.prod(shape[1:])
        target = list(node.attrs["shape"])
        known = math.prod(d for d in target if d != -1)
        if -1 in target:
            if per_sample % known:
                raise GraphError(f"node '{node.name}' (reshape): cannot reshape {tuple(shape)} to N x {target}")
            target[target.index(-1)] = per_sample // known
        if math.prod(target) != per_sample:
            raise GraphError(f"node '{node.name}' (reshape): cannot reshape {tuple(shape)} to N x {target}")
        return (shape[0],) + tuple(target)
