"""conv2d: convolution with an optional fused epilogue (residual add, ReLU, then an activation of
_C.activation) on _C.Conv2d."""
from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import (Layer, bindable, expect_channels, expect_rank, int_pair_attr, padding_quad,
                                   require_attr)


def conv_arguments(node):
    """Keyword arguments of _C.Conv2d (stride, padding, dilation, groups) from the node's attributes."""
    return {"stride": int_pair_attr(node, "stride", (1, 1)), "padding": padding_quad(node),
            "dilation": int_pair_attr(node, "dilation", (1, 1)), "groups": node.attrs.get("groups", 1)}


def conv_output_hw(node, h, w):
    kh, kw = int_pair_attr(node, "kernel_size")
    sh, sw = int_pair_attr(node, "stride", (1, 1))
    dh, dw = int_pair_attr(node, "dilation", (1, 1))
    top, left, bottom, right = padding_quad(node)
    return (h + top + bottom - dh * (kh - 1) - 1) // sh + 1, (w + left + right - dw * (kw - 1) - 1) // sw + 1


def check_conv_geometry(node):
    """Channels, kernel, groups and padding of conv2d and conv_transpose2d nodes."""
    for name in ("in_channels", "out_channels"):
        if require_attr(node, name, int) < 1:
            raise GraphError(f"node '{node.name}' ({node.op}): {name} must be >= 1")
    int_pair_attr(node, "kernel_size")
    groups = node.attrs.get("groups", 1)
    if not isinstance(groups, int) or groups < 1 or node.attrs["in_channels"] % groups or \
            node.attrs["out_channels"] % groups:
        raise GraphError(f"node '{node.name}' ({node.op}): groups={groups!r} must divide in and out channels")
    padding_quad(node)


@register
class Conv2d(Layer):
    op = "conv2d"
    params = {"weight": True, "bias": False}
    num_inputs = None  # input, plus the residual when attrs["residual"] is set

    def check_attrs(self, node):
        check_conv_geometry(node)
        if not isinstance(node.attrs.get("algorithm", ""), str):
            raise GraphError(f"node '{node.name}' (conv2d): attribute 'algorithm' must be a string")
        act = node.attrs.get("activation")
        if act is not None and not (isinstance(act, (list, tuple)) and len(act) == 3 and isinstance(act[0], str) and
                                    all(isinstance(v, (int, float)) for v in act[1:])):
            raise GraphError(f"node '{node.name}' (conv2d): attribute 'activation' must be [kind, alpha, beta], "
                             f"got {act!r}")
        expected_inputs = 2 if node.attrs.get("residual") else 1
        if len(node.inputs) != expected_inputs:
            raise GraphError(f"node '{node.name}' (conv2d): expected {expected_inputs} input(s), got {len(node.inputs)}")

    def param_shapes(self, node):
        kh, kw = int_pair_attr(node, "kernel_size")
        a = node.attrs
        return {"weight": (a["out_channels"], a["in_channels"] // a.get("groups", 1), kh, kw),
                "bias": (a["out_channels"],)}

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 4)
        expect_channels(node, shape, node.attrs["in_channels"])
        oh, ow = conv_output_hw(node, shape[2], shape[3])
        if oh < 1 or ow < 1:
            raise GraphError(f"node '{node.name}' (conv2d): input {shape[2]}x{shape[3]} is too small "
                             f"(output would be {oh}x{ow})")
        out = (shape[0], node.attrs["out_channels"], oh, ow)
        if node.attrs.get("residual") and tuple(input_shapes[1]) != out:
            raise GraphError(f"node '{node.name}' (conv2d): residual shape {tuple(input_shapes[1])} != output {out}")
        return out

    def macs(self, node, input_shapes, output_shape):
        kh, kw = int_pair_attr(node, "kernel_size")
        cin_per_group = node.attrs["in_channels"] // node.attrs.get("groups", 1)
        n, c, h, w = output_shape
        return n * c * h * w * cin_per_group * kh * kw

    def in_place_inputs(self, node, kernel):
        """The residual, when the kernel forms the sum in place (Conv2d.residual_in_place): a
        ResNet shortcut that dies here is overwritten by the block's output, which saves writing a
        second buffer as large (its cache lines are read anyway)."""
        return (1,) if node.attrs.get("residual") and getattr(kernel, "residual_in_place", False) else ()

    def prepare(self, node, params):
        algorithm = node.attrs.get("algorithm", "default")
        try:
            conv = _C.Conv2d(params["weight"], params.get("bias"), algorithm=algorithm, **conv_arguments(node))
        except ValueError as error:
            raise GraphError(f"node '{node.name}' (conv2d): {error}") from None
        relu = bool(node.attrs.get("relu", False))
        act = node.attrs.get("activation")
        act = None if act is None else tuple(act)
        if node.attrs.get("residual"):
            kernel = bindable(
                lambda inputs, out: conv.forward(inputs[0], residual=inputs[1], relu=relu, out=out, activation=act),
                lambda steps, inputs, out: conv.bind(steps, inputs[0], inputs[1], relu, out, act))
        elif conv.algorithm == "gemm_1x1":
            kernel = PointwiseConv(conv, params, relu, act)
        else:
            kernel = bindable(lambda inputs, out: conv.forward(inputs[0], relu=relu, out=out, activation=act),
                              lambda steps, inputs, out: conv.bind(steps, inputs[0], None, relu, out, act))
        kernel.algorithm = conv.algorithm
        kernel.residual_in_place = conv.residual_in_place
        return kernel


class PointwiseConv:
    """A 1x1 conv kernel that runs on a 1x1 map (squeeze-excitation after global pooling) as the
    matrix-vector product of _C.Linear, about 5x faster there than a GEMM tile of one column.
    The Linear is packed on the first such input, so other 1x1 convs keep only their GEMM weights."""

    def __init__(self, conv, params, relu, act):
        self.conv, self.params, self.relu, self.act = conv, params, relu, act
        self.linear = None

    def __call__(self, inputs, out):
        x = inputs[0]
        if x.shape[2] != 1 or x.shape[3] != 1:
            return self.conv.forward(x, relu=self.relu, out=out, activation=self.act)
        self._linear().forward(x.reshape(x.shape[0], -1), relu=self.relu, out=out.reshape(out.shape[0], -1))
        if self.act is not None:
            _C.activation(out, *self.act, out=out)
        return out

    def bind(self, steps, inputs, out):
        x = inputs[0]  # an array, or a graph input's number (bound as a conv)
        if isinstance(x, int) or x.shape[2] != 1 or x.shape[3] != 1:
            return self.conv.bind(steps, x, None, self.relu, out, self.act)
        self._linear().bind(steps, x.reshape(x.shape[0], -1), self.relu, out.reshape(out.shape[0], -1))
        if self.act is not None:
            _C.bind_activation(steps, out, *self.act, out)

    def _linear(self):
        if self.linear is None:
            weight = self.params["weight"]
            self.linear = _C.Linear(weight.reshape(weight.shape[0], -1), self.params.get("bias"))
        return self.linear
