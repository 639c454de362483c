"""linear: fully connected layer (bias and ReLU fused) on _C.Linear."""
from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import Layer, bindable, expect_channels, expect_rank, require_attr


@register
class Linear(Layer):
    op = "linear"
    params = {"weight": True, "bias": False}

    def check_attrs(self, node):
        for name in ("in_features", "out_features"):
            if require_attr(node, name, int) < 1:
                raise GraphError(f"node '{node.name}' (linear): {name} must be >= 1")

    def param_shapes(self, node):
        return {"weight": (node.attrs["out_features"], node.attrs["in_features"]),
                "bias": (node.attrs["out_features"],)}

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 2)
        expect_channels(node, shape, node.attrs["in_features"], unit="features")
        return (shape[0], node.attrs["out_features"])

    def macs(self, node, input_shapes, output_shape):
        return output_shape[0] * output_shape[1] * node.attrs["in_features"]

    def prepare(self, node, params):
        linear = _C.Linear(params["weight"], params.get("bias"))
        relu = bool(node.attrs.get("relu", False))
        return bindable(lambda inputs, out: linear.forward(inputs[0], relu=relu, out=out),
                        lambda steps, inputs, out: linear.bind(steps, inputs[0], relu, out))
