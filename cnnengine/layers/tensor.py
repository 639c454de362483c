"""Tensor plumbing: add (residual sums, ReLU fusable), concat along channels, flatten (a view),
channel_slice (a strided view; the kernels that read it copy it to contiguous memory)."""
import math

from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import Layer, require_attr


@register
class Add(Layer):
    op = "add"
    num_inputs = 2
    in_place = True

    def output_shape(self, node, input_shapes):
        a, b = (tuple(s) for s in input_shapes)
        if a != b:
            raise GraphError(f"node '{node.name}' (add): input shapes differ: {a} and {b}")
        return a

    def prepare(self, node, params):
        relu = bool(node.attrs.get("relu", False))
        return lambda inputs, out: _C.add(inputs[0], inputs[1], relu, out=out)


@register
class Concat(Layer):
    op = "concat"
    num_inputs = None

    def check_attrs(self, node):
        if require_attr(node, "axis", int, optional=True) not in (None, 1):
            raise GraphError(f"node '{node.name}' (concat): only axis 1 (channels) is supported")
        if len(node.inputs) < 1:
            raise GraphError(f"node '{node.name}' (concat): needs at least one input")

    def output_shape(self, node, input_shapes):
        first = tuple(input_shapes[0])
        for i, shape in enumerate(input_shapes):
            if len(shape) != len(first) or tuple(shape[:1]) + tuple(shape[2:]) != first[:1] + first[2:]:
                raise GraphError(f"node '{node.name}' (concat): input {i} has shape {tuple(shape)}, "
                                 f"incompatible with {first} along axis 1")
        return (first[0], sum(s[1] for s in input_shapes)) + first[2:]

    def prepare(self, node, params):
        return lambda inputs, out: _C.concat(inputs, 1, out=out)


@register
class Flatten(Layer):
    op = "flatten"
    view = True

    def check_attrs(self, node):
        if require_attr(node, "start_dim", int, optional=True) not in (None, 1):
            raise GraphError(f"node '{node.name}' (flatten): only start_dim=1 is supported")

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        return (shape[0], math.prod(shape[1:]))


@register
class ChannelSlice(Layer):
    """Channels [start, stop) of x (ONNX Split and Slice along axis 1)."""

    op = "channel_slice"
    view = True

    def check_attrs(self, node):
        start, stop = require_attr(node, "start", int), require_attr(node, "stop", int)
        if not 0 <= start < stop:
            raise GraphError(f"node '{node.name}' (channel_slice): need 0 <= start < stop, got {start}, {stop}")

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        if len(shape) < 2 or node.attrs["stop"] > shape[1]:
            raise GraphError(f"node '{node.name}' (channel_slice): channels [{node.attrs['start']}, "
                             f"{node.attrs['stop']}) are outside the input {tuple(shape)}")
        return (shape[0], node.attrs["stop"] - node.attrs["start"]) + tuple(shape[2:])

    def view_of(self, node, x, shape):
        return x[:, node.attrs["start"]:node.attrs["stop"]]
