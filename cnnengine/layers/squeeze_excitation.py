"""squeeze_excitation: MobileNet-V3's gate as one node, made by passes.fuse_squeeze_excitation from
adaptive_avg_pool2d(1x1) -> conv2d 1x1 (+ ReLU) -> conv2d 1x1 + gate activation -> binary mul;
runs _C.SqueezeExcitation (one kernel call instead of four)."""
from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import Layer, bindable, expect_channels, expect_rank, require_attr


@register
class SqueezeExcitation(Layer):
    """attrs: channels, hidden, reduce_relu (bool), gate [kind, alpha, beta] (an activation of
    _C.activation). params: reduce_weight [hidden, channels, 1, 1], expand_weight [channels,
    hidden, 1, 1] (1x1 conv layout), optional reduce_bias / expand_bias."""

    op = "squeeze_excitation"
    params = {"reduce_weight": True, "reduce_bias": False, "expand_weight": True, "expand_bias": False}
    in_place = True

    def check_attrs(self, node):
        for name in ("channels", "hidden"):
            if require_attr(node, name, int) < 1:
                raise GraphError(f"node '{node.name}' (squeeze_excitation): {name} must be >= 1")
        require_attr(node, "reduce_relu", bool)
        gate = require_attr(node, "gate", (list, tuple))
        if not (len(gate) == 3 and isinstance(gate[0], str) and all(isinstance(v, (int, float)) for v in gate[1:])):
            raise GraphError(f"node '{node.name}' (squeeze_excitation): attribute 'gate' must be [kind, alpha, beta], "
                             f"got {gate!r}")

    def param_shapes(self, node):
        c, hidden = node.attrs["channels"], node.attrs["hidden"]
        return {"reduce_weight": (hidden, c, 1, 1), "reduce_bias": (hidden,), "expand_weight": (c, hidden, 1, 1),
                "expand_bias": (c,)}

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 4)
        expect_channels(node, shape, node.attrs["channels"])
        return tuple(shape)

    def macs(self, node, input_shapes, output_shape):
        n, c, h, w = output_shape
        return n * (2 * c * node.attrs["hidden"] + 2 * c * h * w)

    def prepare(self, node, params):
        c, hidden = node.attrs["channels"], node.attrs["hidden"]
        bias = params.get("reduce_bias"), params.get("expand_bias")
        try:
            se = _C.SqueezeExcitation(params["reduce_weight"].reshape(hidden, c), bias[0],
                                      params["expand_weight"].reshape(c, hidden), bias[1],
                                      node.attrs["reduce_relu"], tuple(node.attrs["gate"]))
        except ValueError as error:
            raise GraphError(f"node '{node.name}' (squeeze_excitation): {error}") from None
        return bindable(lambda inputs, out: se.forward(inputs[0], out=out),
                        lambda steps, inputs, out: se.bind(steps, inputs[0], out))
