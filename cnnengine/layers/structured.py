"""Layers for outputs as large as the input or larger (segmentation, super-resolution) and the
ONNX operators that move pixels: conv_transpose2d, resize2d (nearest / linear upsampling),
pad2d, depth_to_space (PixelShuffle is its CRD mode)."""
import math

from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import Layer, expect_channels, expect_rank, int_pair_attr, padding_quad, require_attr
from cnnengine.layers.conv import check_conv_geometry


@register
class ConvTranspose2d(Layer):
    """PyTorch ConvTranspose2d: weight [Cin, Cout/groups, kh, kw]; padding as for conv2d."""

    op = "conv_transpose2d"
    params = {"weight": True, "bias": False}

    def check_attrs(self, node):
        check_conv_geometry(node)
        stride, dilation = int_pair_attr(node, "stride", (1, 1)), int_pair_attr(node, "dilation", (1, 1))
        for o, s, d in zip(int_pair_attr(node, "output_padding", (0, 0)), stride, dilation):
            if o < 0 or (o >= s and o >= d):
                raise GraphError(f"node '{node.name}' (conv_transpose2d): output_padding must be >= 0 and smaller "
                                 "than stride or dilation")

    def param_shapes(self, node):
        kh, kw = int_pair_attr(node, "kernel_size")
        a = node.attrs
        return {"weight": (a["in_channels"], a["out_channels"] // a.get("groups", 1), kh, kw),
                "bias": (a["out_channels"],)}

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 4)
        expect_channels(node, shape, node.attrs["in_channels"])
        kernel = int_pair_attr(node, "kernel_size")
        stride = int_pair_attr(node, "stride", (1, 1))
        dilation = int_pair_attr(node, "dilation", (1, 1))
        extra = int_pair_attr(node, "output_padding", (0, 0))
        top, left, bottom, right = padding_quad(node)
        pads = ((top, bottom), (left, right))
        out = [(shape[2 + i] - 1) * stride[i] - sum(pads[i]) + dilation[i] * (kernel[i] - 1) + extra[i] + 1
               for i in (0, 1)]
        if min(out) < 1:
            raise GraphError(f"node '{node.name}' (conv_transpose2d): input {shape[2]}x{shape[3]} gives an empty output")
        return (shape[0], node.attrs["out_channels"], out[0], out[1])

    def macs(self, node, input_shapes, output_shape):
        kh, kw = int_pair_attr(node, "kernel_size")
        n, c, h, w = input_shapes[0]
        return n * c * h * w * kh * kw * node.attrs["out_channels"] // node.attrs.get("groups", 1)

    def prepare(self, node, params):
        layer = _C.ConvTranspose2d(params["weight"], params.get("bias"), stride=int_pair_attr(node, "stride", (1, 1)),
                                   padding=padding_quad(node),
                                   output_padding=int_pair_attr(node, "output_padding", (0, 0)),
                                   dilation=int_pair_attr(node, "dilation", (1, 1)), groups=node.attrs.get("groups", 1))
        kernel = lambda inputs, out: layer.forward(inputs[0], out=out)  # noqa: E731
        kernel.algorithm = "gemm_col2im"
        return kernel


RESIZE_MODES = ("nearest", "linear")
COORDINATE_MODES = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric")
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def choice_attr(node, name, choices, default):
    value = node.attrs.get(name, default)
    if value not in choices:
        raise GraphError(f"node '{node.name}' ({node.op}): {name} must be one of {choices}, got {value!r}")
    return value


@register
class Resize2d(Layer):
    """Resize H and W: attrs `scales` (floats; output = floor(size * scale)) or `size` (ints),
    mode nearest|linear, ONNX coordinate mode and nearest rounding (see _C.resize2d)."""

    op = "resize2d"

    def check_attrs(self, node):
        if ("scales" in node.attrs) == ("size" in node.attrs):
            raise GraphError(f"node '{node.name}' (resize2d): give exactly one of 'scales' and 'size'")
        if "scales" in node.attrs:
            scales = require_attr(node, "scales", (list, tuple))
            if len(scales) != 2 or not all(isinstance(s, (int, float)) and s > 0 for s in scales):
                raise GraphError(f"node '{node.name}' (resize2d): scales must be two positive numbers, got {scales!r}")
        else:
            if min(int_pair_attr(node, "size")) < 1:
                raise GraphError(f"node '{node.name}' (resize2d): size must be >= 1")
        choice_attr(node, "mode", RESIZE_MODES, "nearest")
        choice_attr(node, "coordinates", COORDINATE_MODES, "asymmetric")
        choice_attr(node, "nearest_mode", NEAREST_MODES, "floor")

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 4)
        if "size" in node.attrs:
            size = int_pair_attr(node, "size")
        else:
            size = tuple(int(math.floor(d * s)) for d, s in zip(shape[2:], node.attrs["scales"]))
        if min(size) < 1:
            raise GraphError(f"node '{node.name}' (resize2d): input {shape[2]}x{shape[3]} resizes to nothing")
        return (shape[0], shape[1]) + tuple(size)

    def prepare(self, node, params):
        mode = choice_attr(node, "mode", RESIZE_MODES, "nearest")
        coordinates = choice_attr(node, "coordinates", COORDINATE_MODES, "asymmetric")
        rounding = choice_attr(node, "nearest_mode", NEAREST_MODES, "floor")
        scales = tuple(float(s) for s in node.attrs["scales"]) if "scales" in node.attrs else None
        return lambda inputs, out: _C.resize2d(inputs[0], out.shape[2:], mode, coordinates, rounding, scales, out=out)


@register
class Pad2d(Layer):
    op = "pad2d"
    MODES = ("constant", "reflect", "edge")

    def check_attrs(self, node):
        if min(padding_quad(node)) < 0:
            raise GraphError(f"node '{node.name}' (pad2d): padding must be >= 0")
        choice_attr(node, "mode", self.MODES, "constant")
        require_attr(node, "value", (int, float), optional=True)

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 4)
        top, left, bottom, right = padding_quad(node)
        if node.attrs.get("mode") == "reflect" and (max(top, bottom) >= shape[2] or max(left, right) >= shape[3]):
            raise GraphError(f"node '{node.name}' (pad2d): reflect padding must be smaller than the input {tuple(shape)}")
        return (shape[0], shape[1], shape[2] + top + bottom, shape[3] + left + right)

    def prepare(self, node, params):
        pads, mode, value = padding_quad(node), node.attrs.get("mode", "constant"), float(node.attrs.get("value", 0.0))
        return lambda inputs, out: _C.pad2d(inputs[0], pads, mode, value, out=out)


@register
class DepthToSpace(Layer):
    """N x C*b*b x H x W -> N x C x H*b x W*b; mode CRD is torch.nn.PixelShuffle, DCR ONNX's default."""

    op = "depth_to_space"

    def check_attrs(self, node):
        if require_attr(node, "block", int) < 1:
            raise GraphError(f"node '{node.name}' (depth_to_space): block must be >= 1")
        choice_attr(node, "mode", ("DCR", "CRD"), "DCR")

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 4)
        b = node.attrs["block"]
        if shape[1] % (b * b):
            raise GraphError(f"node '{node.name}' (depth_to_space): {shape[1]} channels are not divisible by {b * b}")
        return (shape[0], shape[1] // (b * b), shape[2] * b, shape[3] * b)

    def prepare(self, node, params):
        block, mode = node.attrs["block"], node.attrs.get("mode", "DCR")
        return lambda inputs, out: _C.depth_to_space(inputs[0], block, mode, out=out)
