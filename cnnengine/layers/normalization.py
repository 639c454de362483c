"""Normalization layers: batch_norm2d (inference; folded into the preceding conv by the passes
when it can be) and lrn (local response normalization across channels, AlexNet/GoogLeNet)."""
from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import register
from cnnengine.layers.base import Layer, require_attr


@register
class BatchNorm2d(Layer):
    op = "batch_norm2d"
    params = {"weight": False, "bias": False, "running_mean": True, "running_var": True}
    in_place = True

    def check_attrs(self, node):
        if require_attr(node, "num_features", int) < 1:
            raise GraphError(f"node '{node.name}' (batch_norm2d): num_features must be >= 1")
        if require_attr(node, "eps", (int, float), optional=True) is not None and node.attrs["eps"] < 0:
            raise GraphError(f"node '{node.name}' (batch_norm2d): eps must be >= 0")

    def param_shapes(self, node):
        c = node.attrs["num_features"]
        return {role: (c,) for role in self.params}

    def output_shape(self, node, input_shapes):
        shape = input_shapes[0]
        if len(shape) not in (2, 4) or shape[1] != node.attrs["num_features"]:
            raise GraphError(f"node '{node.name}' (batch_norm2d): input shape {tuple(shape)} does not have "
                             f"{node.attrs['num_features']} channels")
        return tuple(shape)

    def prepare(self, node, params):
        eps = float(node.attrs.get("eps", 1e-5))
        mean, var = params["running_mean"], params["running_var"]
        weight, bias = params.get("weight"), params.get("bias")
        return lambda inputs, out: _C.batch_norm(inputs[0], mean, var, weight, bias, eps, out=out)


@register
class LocalResponseNorm(Layer):
    op = "lrn"

    def check_attrs(self, node):
        if require_attr(node, "size", int) < 1:
            raise GraphError(f"node '{node.name}' (lrn): size must be >= 1")
        for name in ("alpha", "beta", "k"):
            require_attr(node, name, (int, float), optional=True)

    def output_shape(self, node, input_shapes):
        return tuple(input_shapes[0])

    def prepare(self, node, params):
        a = node.attrs
        size, alpha, beta, k = a["size"], float(a.get("alpha", 1e-4)), float(a.get("beta", 0.75)), float(a.get("k", 1.0))
        return lambda inputs, out: _C.lrn(inputs[0], size, alpha, beta, k, out=out)
