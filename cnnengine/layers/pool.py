"""Pooling layers: max_pool2d, avg_pool2d, adaptive_avg_pool2d (PyTorch semantics)."""
from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import Layer, bindable, expect_rank, int_pair_attr, padding_quad


def pooled_size(size, kernel, stride, pad_begin, pad_end, dilation, ceil_mode):
    """PyTorch's output length with padding pad_begin + pad_end: with ceil_mode, the last window
    must start inside the input or the begin padding."""
    span = size + pad_begin + pad_end - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad_begin:
        out -= 1
    return out


class WindowPool(Layer):
    """Shared shape logic of the windowed pools. Padding is (top, left, bottom, right)."""

    def window(self, node):
        kernel = int_pair_attr(node, "kernel_size")
        stride = kernel if node.attrs.get("stride") is None else int_pair_attr(node, "stride")
        padding = padding_quad(node)
        dilation = int_pair_attr(node, "dilation", (1, 1))
        return kernel, stride, padding, dilation

    def check_attrs(self, node):
        self.window(node)

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 4)
        kernel, stride, padding, dilation = self.window(node)
        ceil_mode = bool(node.attrs.get("ceil_mode", False))
        out = [pooled_size(shape[2 + i], kernel[i], stride[i], padding[i], padding[2 + i], dilation[i], ceil_mode)
               for i in (0, 1)]
        if min(out) < 1:
            raise GraphError(f"node '{node.name}' ({node.op}): input {shape[2]}x{shape[3]} is too small")
        return (shape[0], shape[1], out[0], out[1])

    def macs(self, node, input_shapes, output_shape):
        kernel = self.window(node)[0]
        n, c, h, w = output_shape
        return n * c * h * w * kernel[0] * kernel[1]


@register
class MaxPool2d(WindowPool):
    op = "max_pool2d"

    def prepare(self, node, params):
        size, stride, padding, dilation = self.window(node)
        ceil_mode = bool(node.attrs.get("ceil_mode", False))
        return bindable(
            lambda inputs, out: _C.max_pool2d(inputs[0], size, stride, padding, dilation, ceil_mode, out=out),
            lambda steps, inputs, out: _C.bind_max_pool2d(steps, inputs[0], size, stride, padding, dilation,
                                                          ceil_mode, out))


@register
class AvgPool2d(WindowPool):
    op = "avg_pool2d"

    def prepare(self, node, params):
        kernel, stride, padding, _ = self.window(node)
        ceil_mode = bool(node.attrs.get("ceil_mode", False))
        include_pad = bool(node.attrs.get("count_include_pad", True))
        return lambda inputs, out: _C.avg_pool2d(inputs[0], kernel, stride, padding, ceil_mode, include_pad, out=out)


@register
class AdaptiveAvgPool2d(Layer):
    op = "adaptive_avg_pool2d"

    def check_attrs(self, node):
        int_pair_attr(node, "output_size")

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        expect_rank(node, shape, 4)
        oh, ow = int_pair_attr(node, "output_size")
        return (shape[0], shape[1], oh, ow)

    def macs(self, node, input_shapes, output_shape):
        n, c, h, w = input_shapes[0]
        return n * c * h * w

    def prepare(self, node, params):
        size = int_pair_attr(node, "output_size")
        return bindable(lambda inputs, out: _C.adaptive_avg_pool2d(inputs[0], size, out=out),
                        lambda steps, inputs, out: _C.bind_adaptive_avg_pool2d(steps, inputs[0], size, out))
