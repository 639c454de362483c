"""Activations and friends: relu, softmax, dropout (identity at inference; removed by the passes)."""
from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import Layer, require_attr


@register
class ReLU(Layer):
    op = "relu"
    in_place = True

    def output_shape(self, node, input_shapes):
        return tuple(input_shapes[0])

    def prepare(self, node, params):
        return lambda inputs, out: _C.relu(inputs[0], out=out)


@register
class Softmax(Layer):
    op = "softmax"

    def check_attrs(self, node):
        require_attr(node, "axis", int, optional=True)

    def output_shape(self, node, input_shapes):
        return tuple(input_shapes[0])

    def prepare(self, node, params):
        axis = node.attrs.get("axis", 1)
        return lambda inputs, out: _C.softmax(inputs[0], axis, out=out)


@register
class Dropout(Layer):
    op = "dropout"
    view = True  # identity at inference

    def check_attrs(self, node):
        p = require_attr(node, "p", (int, float), optional=True)
        if p is not None and not 0 <= p < 1:
            raise GraphError(f"node '{node.name}' (dropout): p must be in [0, 1), got {p}")

    def output_shape(self, node, input_shapes):
        return tuple(input_shapes[0])
