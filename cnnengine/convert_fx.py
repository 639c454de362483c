"""The fx route of cnnengine.convert: a torch.nn.Module traced by torch.fx becomes a Graph node by
node. Each supported module or function maps onto one cnnengine layer (MODULES, FUNCTIONS,
METHODS); parameters keep the module's state_dict names; anything else raises GraphError naming the
module path and type, or the function."""
import math
import operator
from typing import Dict, List

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from cnnengine.errors import GraphError
from cnnengine.graph import Graph, InputSpec, Node
from cnnengine.layers import get_layer

SUPPORTED = ("Conv2d, BatchNorm2d, ReLU (module, F.relu, torch.relu), MaxPool2d, AvgPool2d, AdaptiveAvgPool2d "
             "(modules and F.*), Linear, Dropout, Identity, Flatten / torch.flatten(x, 1) / x.view(x.size(0), -1), "
             "+ / torch.add, * / torch.mul (broadcasting), torch.cat(dim=1), LocalResponseNorm, Softmax(dim=1), "
             "ReLU6, Hardswish, Hardsigmoid")


def batched_shape(example_shape) -> tuple:
    """example_shape with the batch: (C, H, W) and (F,) get N = 1; (N, C, H, W) and (N, F) stay."""
    shape = tuple(int(d) for d in example_shape)
    if len(shape) not in (1, 2, 3, 4) or min(shape) < 1:
        raise GraphError(f"example_shape must be (C, H, W), (N, C, H, W), (F,) or (N, F); got {tuple(example_shape)}")
    return (1,) + shape if len(shape) in (1, 3) else shape


# -- layer attributes ---------------------------------------------------------------------
def _pair(value):
    return list(value) if isinstance(value, (tuple, list)) else value


def conv_attrs(m: nn.Conv2d) -> Dict:
    if m.padding_mode != "zeros":
        raise GraphError(f"Conv2d padding_mode='{m.padding_mode}' is not supported (only 'zeros')")
    if isinstance(m.padding, str):  # 'valid' or 'same' (stride 1): explicit, possibly asymmetric
        total = [d * (k - 1) if m.padding == "same" else 0 for k, d in zip(m.kernel_size, m.dilation)]
        padding = [total[0] // 2, total[1] // 2, total[0] - total[0] // 2, total[1] - total[1] // 2]
    else:
        padding = _pair(m.padding)
    return {"in_channels": m.in_channels, "out_channels": m.out_channels, "kernel_size": _pair(m.kernel_size),
            "stride": _pair(m.stride), "padding": padding, "dilation": _pair(m.dilation), "groups": m.groups}


def max_pool_attrs(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices:
        raise GraphError("max pooling with return_indices=True is not supported")
    return {"kernel_size": _pair(kernel_size), "stride": _pair(stride) if stride else None, "padding": _pair(padding),
            "dilation": _pair(dilation), "ceil_mode": bool(ceil_mode)}


def avg_pool_attrs(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                   divisor_override=None):
    if divisor_override is not None:
        raise GraphError("average pooling with divisor_override is not supported")
    return {"kernel_size": _pair(kernel_size), "stride": _pair(stride) if stride else None, "padding": _pair(padding),
            "ceil_mode": bool(ceil_mode), "count_include_pad": bool(count_include_pad)}


def adaptive_attrs(output_size):
    if output_size is None or isinstance(output_size, (tuple, list)) and None in output_size:
        raise GraphError(f"adaptive pooling to output_size={output_size} (None keeps the input size) is not supported")
    return {"output_size": _pair(output_size)}


def _batch_norm(m: nn.BatchNorm2d):
    if m.running_mean is None:
        raise GraphError("BatchNorm2d without running statistics (track_running_stats=False) is not supported")
    attrs = {"num_features": m.num_features, "eps": float(m.eps)}
    if m.momentum is not None:
        attrs["momentum"] = float(m.momentum)
    return "batch_norm2d", attrs, ("weight", "bias", "running_mean", "running_var")


# module type -> (module -> (op, attrs, parameter roles)); None as op: the output is the input
MODULES = {
    nn.Conv2d: lambda m: ("conv2d", conv_attrs(m), ("weight", "bias")),
    nn.BatchNorm2d: _batch_norm,
    nn.ReLU: lambda m: ("relu", {}, ()),
    nn.MaxPool2d: lambda m: ("max_pool2d", max_pool_attrs(m.kernel_size, m.stride, m.padding, m.dilation,
                                                          m.ceil_mode, m.return_indices), ()),
    nn.AvgPool2d: lambda m: ("avg_pool2d", avg_pool_attrs(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                                          m.count_include_pad, m.divisor_override), ()),
    nn.AdaptiveAvgPool2d: lambda m: ("adaptive_avg_pool2d", adaptive_attrs(m.output_size), ()),
    nn.Linear: lambda m: ("linear", {"in_features": m.in_features, "out_features": m.out_features},
                          ("weight", "bias")),
    nn.Dropout: lambda m: ("dropout", {"p": float(m.p)}, ()),
    nn.Dropout2d: lambda m: ("dropout", {"p": float(m.p)}, ()),
    nn.Flatten: lambda m: ("flatten", {"start_dim": 1}, ()),
    nn.LocalResponseNorm: lambda m: ("lrn", {"size": m.size, "alpha": float(m.alpha), "beta": float(m.beta),
                                             "k": float(m.k)}, ()),
    nn.Softmax: lambda m: ("softmax", {"axis": m.dim}, ()),
    nn.Identity: lambda m: (None, {}, ()),
    # MobileNet-V2/V3 activations (torch's Hardsigmoid is clamp(x / 6 + 1 / 2, 0, 1): the IR default)
    nn.ReLU6: lambda m: ("clip", {"min": 0.0, "max": 6.0}, ()),
    nn.Hardswish: lambda m: ("hard_swish", {}, ()),
    nn.Hardsigmoid: lambda m: ("hard_sigmoid", {}, ()),
}


class _Batch:
    """x.size(0) / x.shape[0] while tracing: the batch dimension (only good for view/reshape)."""


class _Shape:
    """x.size() / x.shape while tracing."""


class FxConverter:
    """Converts a module traced by torch.fx into a Graph, node by node."""

    def __init__(self, module: nn.Module, example_shape=None):
        self.module = module
        self.example_shape = example_shape
        self.nodes: List[Node] = []
        self.params: Dict[str, np.ndarray] = {}
        self.shapes: Dict[str, tuple] = {}
        self.values: Dict[str, object] = {}  # fx node name -> tensor name, _Batch or _Shape
        self.used = set()
        self.called = set()
        self.state = module.state_dict()

    def convert(self) -> Graph:
        try:
            traced = torch.fx.symbolic_trace(self.module)
        except Exception as error:  # control flow on tensor values, unsupported Python, ...
            raise GraphError(f"cannot trace {type(self.module).__name__} with torch.fx: "
                             f"{type(error).__name__}: {error}") from None
        placeholders = [n for n in traced.graph.nodes if n.op == "placeholder"]
        if len(placeholders) != 1:
            raise GraphError(f"{type(self.module).__name__}.forward takes {len(placeholders)} inputs; "
                             "only networks with one input tensor are supported")
        self.input_name = input_name = self._unique(str(placeholders[0].target))
        shape = self._input_shape(traced)
        self.shapes[input_name] = shape
        outputs = None
        for fx_node in traced.graph.nodes:
            if fx_node.op == "placeholder":
                self.values[fx_node.name] = input_name
            elif fx_node.op == "output":
                outputs = [self._tensor(fx_node, a) for a in self._flat(fx_node.args[0])]
            elif fx_node.op == "call_module":
                self._call_module(fx_node)
            elif fx_node.op in ("call_function", "call_method"):
                self._call(fx_node)
            else:  # get_attr: a parameter or buffer used directly
                raise GraphError(f"'{fx_node.target}' is used as a tensor ({fx_node.op}); only supported layers "
                                 f"may hold parameters ({SUPPORTED})")
        if input_name in outputs:
            raise GraphError("the network returns its input unchanged")
        return Graph(type(self.module).__name__.lower(), [InputSpec(input_name, shape[1:])], self.nodes, outputs,
                     self.params, {"input_shape": list(shape[1:])})

    # -- plumbing ------------------------------------------------------------------------------
    def _input_shape(self, traced) -> tuple:
        if self.example_shape is not None:
            return batched_shape(self.example_shape)
        for fx_node in traced.graph.nodes:
            if fx_node.op == "call_module":
                first = traced.get_submodule(fx_node.target)
                if isinstance(first, nn.Conv2d):
                    return (1, first.in_channels, 224, 224)
                if isinstance(first, nn.Linear):
                    return (1, first.in_features)
                break
        raise GraphError(f"give example_shape for {type(self.module).__name__}: its first layer does not "
                         "tell the input shape")

    def _unique(self, base: str) -> str:
        name, i = base, 0
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name

    @staticmethod
    def _flat(value):
        return [v for item in value for v in FxConverter._flat(item)] if isinstance(value, (tuple, list)) else [value]

    def _tensor(self, fx_node, arg) -> str:
        value = self.values.get(getattr(arg, "name", None))
        if not isinstance(value, str):
            raise GraphError(f"{_describe(fx_node)}: argument {arg!r} is not a tensor computed by the network")
        return value

    def _emit(self, fx_node, base, op, inputs, attrs, param_prefix=None, roles=()) -> None:
        """Adds a node (op None: alias of its input), checking attributes and shapes."""
        if op is None:
            self.values[fx_node.name] = inputs[0]
            return
        name = self._unique(base)
        params = {}
        for role in roles:
            value = self.state.get(f"{param_prefix}.{role}")
            if value is not None:
                params[role] = f"{param_prefix}.{role}"
                self.params[params[role]] = np.ascontiguousarray(value.detach().cpu().numpy(), dtype=np.float32)
        node = Node(name, op, list(inputs), {k: v for k, v in attrs.items() if v is not None}, params)
        try:
            layer = get_layer(op)
            layer.check_attrs(node)
            self.shapes[name] = tuple(layer.output_shape(node, [self.shapes[t] for t in inputs]))
        except GraphError as error:
            guessed = "" if self.example_shape is not None else \
                f" (the input shape {self.shapes[self.input_name]} was guessed: pass example_shape)"
            raise GraphError(f"{_describe(fx_node)}: {error}{guessed}") from None
        self.nodes.append(node)
        self.values[fx_node.name] = name

    # -- modules -------------------------------------------------------------------------------
    def _call_module(self, fx_node) -> None:
        target = str(fx_node.target)
        module = self.module.get_submodule(target)
        make = MODULES.get(type(module))
        if make is None:
            raise GraphError(f"module '{target}' ({type(module).__module__}.{type(module).__qualname__}) is not "
                             f"supported; supported: {SUPPORTED}")
        try:
            op, attrs, roles = make(module)
        except GraphError as error:
            raise GraphError(f"module '{target}' ({type(module).__name__}): {error}") from None
        if roles and target in self.called:
            raise GraphError(f"module '{target}' ({type(module).__name__}) is called more than once; "
                             "shared weights are not supported")
        self.called.add(target)
        inputs = [self._tensor(fx_node, fx_node.args[0])]
        if op == "flatten":
            self._check_flatten(fx_node, inputs[0], module.start_dim, module.end_dim)
        elif op == "softmax":
            attrs["axis"] = self._channel_axis(fx_node, inputs[0], attrs["axis"])
        self._emit(fx_node, target, op, inputs, attrs, target, roles)
        if getattr(module, "inplace", False):
            self._rebind_in_place(fx_node)

    # -- functions and methods -------------------------------------------------------------------
    def _call(self, fx_node) -> None:
        target = fx_node.target
        if fx_node.op == "call_function" and target is getattr and fx_node.args[1] == "shape":
            self._tensor(fx_node, fx_node.args[0])
            self.values[fx_node.name] = _Shape()
            return
        if fx_node.op == "call_function" and target is operator.getitem and \
                isinstance(self.values.get(getattr(fx_node.args[0], "name", None)), _Shape):
            if fx_node.args[1] != 0:
                raise GraphError(f"{_describe(fx_node)}: only the batch size (index 0) of a shape may be used")
            self.values[fx_node.name] = _Batch()
            return
        handler = (FUNCTIONS if fx_node.op == "call_function" else METHODS).get(target)
        if handler is None:
            raise GraphError(f"{_describe(fx_node)} is not supported; supported: {SUPPORTED}")
        handler(self, fx_node)

    def _arg(self, fx_node, index, name, default=None):
        if len(fx_node.args) > index:
            return fx_node.args[index]
        return fx_node.kwargs.get(name, default)

    def _add(self, fx_node) -> None:
        if self._arg(fx_node, 2, "alpha", 1) != 1:
            raise GraphError(f"{_describe(fx_node)}: alpha != 1 is not supported")
        inputs = [self._tensor(fx_node, a) for a in fx_node.args[:2]]
        self._emit(fx_node, fx_node.name, "add", inputs, {})
        self._rebind_in_place(fx_node)

    def _mul(self, fx_node) -> None:
        """a * b of two tensors with broadcasting (squeeze-excitation: a per-channel gate times a map)."""
        inputs = [self._tensor(fx_node, a) for a in fx_node.args[:2]]
        self._emit(fx_node, fx_node.name, "binary", inputs, {"op": "mul"})
        self._rebind_in_place(fx_node)

    def _rebind_in_place(self, fx_node) -> None:
        """After x.add_(y), relu(x, inplace=True) ...: later readers of x read the result."""
        target = fx_node.target
        in_place = (isinstance(target, str) and target.endswith("_") or target in (torch.relu_, F.relu_) or
                    fx_node.op == "call_module" or
                    target is F.relu and self._arg(fx_node, 1, "inplace", False))
        if in_place:
            self.values[fx_node.args[0].name] = self.values[fx_node.name]

    def _cat(self, fx_node) -> None:
        inputs = [self._tensor(fx_node, a) for a in self._arg(fx_node, 0, "tensors")]
        axis = self._channel_axis(fx_node, inputs[0], self._arg(fx_node, 1, "dim", 0))
        self._emit(fx_node, fx_node.name, "concat", inputs, {"axis": axis})

    def _softmax(self, fx_node) -> None:
        x = self._tensor(fx_node, fx_node.args[0])
        axis = self._channel_axis(fx_node, x, self._arg(fx_node, 1, "dim"))
        self._emit(fx_node, fx_node.name, "softmax", [x], {"axis": axis})

    def _flatten(self, fx_node) -> None:
        x = self._tensor(fx_node, fx_node.args[0])
        self._check_flatten(fx_node, x, self._arg(fx_node, 1, "start_dim", 0), self._arg(fx_node, 2, "end_dim", -1))
        self._emit(fx_node, fx_node.name, "flatten", [x], {"start_dim": 1})

    def _view(self, fx_node) -> None:
        """x.view(x.size(0), -1), x.reshape(N, -1), x.view(-1, C*H*W): a flatten from dim 1."""
        x = self._tensor(fx_node, fx_node.args[0])
        sizes = list(fx_node.args[1:])
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = list(sizes[0])
        sizes = [self.values.get(s.name, s) if hasattr(s, "name") else s for s in sizes]
        features = math.prod(self.shapes[x][1:])
        is_flatten = len(sizes) == 2 and (isinstance(sizes[0], _Batch) and sizes[1] in (-1, features)
                                          or sizes[0] == -1 and sizes[1] == features)
        if not is_flatten:
            shown = ["x.size(0)" if isinstance(s, _Batch) else s for s in sizes]
            raise GraphError(f"{_describe(fx_node)} to {shown} is not supported: only flattening to "
                             f"(batch, {features}) is")
        self._emit(fx_node, fx_node.name, "flatten", [x], {"start_dim": 1})

    def _size(self, fx_node) -> None:
        self._tensor(fx_node, fx_node.args[0])
        dim = self._arg(fx_node, 1, "dim")
        if dim not in (None, 0):
            raise GraphError(f"{_describe(fx_node)}: only the batch size x.size(0) may be used")
        self.values[fx_node.name] = _Shape() if dim is None else _Batch()

    def _dropout(self, fx_node) -> None:
        if self._arg(fx_node, 2, "training", True):
            raise GraphError(f"{_describe(fx_node)} with training=True drops values at inference too; pass "
                             "training=self.training")
        self._emit(fx_node, fx_node.name, "dropout", [self._tensor(fx_node, fx_node.args[0])],
                   {"p": float(self._arg(fx_node, 1, "p", 0.5))})

    def _check_flatten(self, fx_node, x, start_dim, end_dim) -> None:
        rank = len(self.shapes[x])
        if start_dim % rank != 1 or end_dim % rank != rank - 1:
            raise GraphError(f"{_describe(fx_node)}: only flattening from dim 1 to the end is supported "
                             f"(got start_dim={start_dim}, end_dim={end_dim})")

    def _channel_axis(self, fx_node, x, dim) -> int:
        if not isinstance(dim, int) or dim % len(self.shapes[x]) != 1:
            raise GraphError(f"{_describe(fx_node)}: only dim=1 (channels / features) is supported, got dim={dim}")
        return 1


def _describe(fx_node) -> str:
    """What an fx node calls, for messages: "function torch.nn.functional.gelu", "method .permute()"."""
    target = fx_node.target
    if fx_node.op == "call_method":
        return f"tensor method .{target}() (node '{fx_node.name}')"
    if fx_node.op == "call_module":
        return f"module '{target}'"
    module = getattr(target, "__module__", None)
    name = getattr(target, "__name__", repr(target))
    return f"function {module + '.' if module else ''}{name} (node '{fx_node.name}')"


def _unary(op):
    """Handler of a one-tensor function or method (op None: the result is the input, e.g. .contiguous())."""
    def handle(self, fx_node):
        self._emit(fx_node, fx_node.name, op, [self._tensor(fx_node, fx_node.args[0])], {})
        self._rebind_in_place(fx_node)
    return handle


def _pool(op, make_attrs, names):
    """Handler of F.max_pool2d & co: positional or keyword arguments `names` after the input."""
    def handle(self, fx_node):
        values = {n: self._arg(fx_node, i + 1, n) for i, n in enumerate(names)}
        try:
            attrs = make_attrs(**{k: v for k, v in values.items() if v is not None})
        except GraphError as error:
            raise GraphError(f"{_describe(fx_node)}: {error}") from None
        self._emit(fx_node, fx_node.name, op, [self._tensor(fx_node, fx_node.args[0])], attrs)
    return handle


FUNCTIONS = {
    operator.add: FxConverter._add, torch.add: FxConverter._add, operator.iadd: FxConverter._add,
    operator.mul: FxConverter._mul, torch.mul: FxConverter._mul,
    F.relu: _unary("relu"), torch.relu: _unary("relu"),
    torch.relu_: _unary("relu"), F.relu_: _unary("relu"),
    torch.flatten: FxConverter._flatten, torch.cat: FxConverter._cat, torch.concat: FxConverter._cat,
    F.softmax: FxConverter._softmax, torch.softmax: FxConverter._softmax,
    F.dropout: FxConverter._dropout,
    F.max_pool2d: _pool("max_pool2d", max_pool_attrs,
                        ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
    F.avg_pool2d: _pool("avg_pool2d", avg_pool_attrs,
                        ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")),
    F.adaptive_avg_pool2d: _pool("adaptive_avg_pool2d", adaptive_attrs, ("output_size",)),
}
METHODS = {
    "add": FxConverter._add, "add_": FxConverter._add, "mul": FxConverter._mul, "relu": _unary("relu"),
    "relu_": _unary("relu"), "flatten": FxConverter._flatten, "view": FxConverter._view,
    "reshape": FxConverter._view, "size": FxConverter._size, "softmax": FxConverter._softmax,
    "contiguous": _unary(None),
}
