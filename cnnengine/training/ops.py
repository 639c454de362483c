"""Training forward and backward of every layer op, on the C++ kernels of cnnengine._C.

forward(node, params, inputs, mode) -> (output, saved): `saved` is what backward needs (the tape
entry). Every output is a fresh array: nothing is computed in place, so saved tensors stay valid.
backward(node, params, saved, dy, wants) -> (input grads, param grads): `wants` says which input
gradients (list of bool) and whether parameter gradients are needed; unwanted ones are None and
are not computed (a frozen prefix of the network costs no backward work).
"""
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers import get_layer
from cnnengine.layers.base import int_pair_attr
from cnnengine.conv_algorithm import WINOGRAD, winograd_applicable
from cnnengine.layers.conv import conv_arguments, padding_quad


@dataclass
class Wants:
    inputs: List[bool]
    params: bool


class WinogradConvs:
    """One executor's training Winograd convs (_C.WinogradConv), per layer and role (forward, or
    dx = conv(dy, W')), kept across steps: each use loads the current weights into the conv in
    place, rather than building a new one (no temporary transform, no fresh pages). Not for two
    steps at once: a load would change weights under a running conv."""

    TILES = {"winograd_f23": 2, "winograd_f43": 4, "winograd_f63": 6}

    def __init__(self):
        self._convs = {}

    def get(self, node, weight, padding, algorithm, data_gradient=False):
        key = (node.name, weight.shape, padding, algorithm, data_gradient)
        conv = self._convs.get(key)
        if conv is None:
            conv = self._convs[key] = _C.WinogradConv(weight, padding, self.TILES[algorithm], data_gradient)
        else:
            conv.load(weight)
        return conv


class Mode:
    """Per-run switches the ops consult: which BatchNorm nodes use batch statistics, dropout seeds;
    and the executor's Winograd convs (a fresh set when none is given)."""

    def __init__(self, bn_training, dropout_seed, conv_algorithm, winograd_convs=None):
        self.bn_training = bn_training  # node name -> bool
        self.dropout_seed = dropout_seed  # () -> int, a fresh seed per dropout call
        self.conv_algorithm = conv_algorithm  # (conv node, input shape) -> algorithm name
        self.winograd_convs = winograd_convs if winograd_convs is not None else WinogradConvs()


_OPS: Dict[str, "TrainOp"] = {}


def train_op(op_name):
    def register(cls):
        _OPS[op_name] = cls()
        return cls
    return register


def get_train_op(node) -> "TrainOp":
    if node.attrs.get("relu") or node.attrs.get("residual"):
        raise GraphError(f"node '{node.name}' ({node.op}): fused epilogues are an inference rewrite; "
                         "train the unfused graph")
    try:
        return _OPS[node.op]
    except KeyError:
        raise GraphError(f"node '{node.name}': op '{node.op}' has no training support") from None


class TrainOp:
    def forward(self, node, params, inputs, mode):
        raise NotImplementedError

    def backward(self, node, params, saved, dy, wants):
        raise NotImplementedError


@train_op("conv2d")
class Conv2dOp(TrainOp):
    """Forward on the layer's chosen algorithm (as in inference: Winograd for most 3x3 stride-1
    layers unless the user picked another). dW always comes from the GEMM path. dx of a Winograd-able layer is itself a 3x3 stride-1
    convolution (of dy with the kernel flipped and its channel axes swapped), so it runs by Winograd
    too: 2-4x faster than the GEMM + col2im path at batch 16 (docs/winograd.md, Training)."""

    def forward(self, node, params, inputs, mode):
        x = inputs[0]
        algorithm = mode.conv_algorithm(node, x.shape)
        weight, bias = params["weight"], params.get("bias")
        if algorithm in WINOGRAD and winograd_applicable(node):
            conv = mode.winograd_convs.get(node, weight, padding_quad(node), algorithm)
            return conv.forward(x, bias), (conv, x, algorithm, mode.winograd_convs)
        conv = _C.Conv2d(weight, bias, algorithm=algorithm, **conv_arguments(node))
        return conv.forward(x), (conv, x, algorithm, mode.winograd_convs)

    def backward(self, node, params, saved, dy, wants):
        conv, x, algorithm, winograd_convs = saved
        weight = params["weight"]
        padding = padding_quad(node)
        by_winograd = wants.inputs[0] and algorithm in WINOGRAD and max(padding) <= 2
        dx, dw, db = _C.conv2d_backward(conv, x, weight, dy, need_dx=wants.inputs[0] and not by_winograd,
                                        need_dw=wants.params, need_db=wants.params and "bias" in params)
        if by_winograd:
            # A full correlation: the kernel flipped with its channel axes swapped, padding 2 - p.
            data_gradient = winograd_convs.get(node, weight, tuple(2 - p for p in padding), algorithm, True)
            dx = data_gradient.forward(dy)
        grads = {"weight": dw, "bias": db} if wants.params else {}
        return [dx], {role: g for role, g in grads.items() if g is not None}


@train_op("linear")
class LinearOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        return _C.Linear(params["weight"], params.get("bias")).forward(inputs[0]), inputs[0]

    def backward(self, node, params, x, dy, wants):
        dx, dw, db = _C.linear_backward(x, params["weight"], dy, need_dx=wants.inputs[0], need_dw=wants.params,
                                        need_db=wants.params and "bias" in params)
        grads = {"weight": dw, "bias": db} if wants.params else {}
        return [dx], {role: g for role, g in grads.items() if g is not None}


@train_op("batch_norm2d")
class BatchNormOp(TrainOp):
    """Batch statistics (and running-stat update) when the node trains; running statistics when it
    is in eval mode (a frozen BatchNorm), where y = x * scale + shift is linear in x."""

    def forward(self, node, params, inputs, mode):
        x, eps = inputs[0], float(node.attrs.get("eps", 1e-5))
        weight, bias = params.get("weight"), params.get("bias")
        if mode.bn_training[node.name]:
            y, mean, invstd = _C.batch_norm_train(x, weight, bias, params["running_mean"], params["running_var"],
                                                  eps, float(node.attrs.get("momentum", 0.1)))
            return y, (x, mean, invstd)
        y = _C.batch_norm(x, params["running_mean"], params["running_var"], weight, bias, eps)
        invstd = (1.0 / np.sqrt(params["running_var"].astype(np.float64) + eps)).astype(np.float32)
        return y, (x, None, invstd)

    def backward(self, node, params, saved, dy, wants):
        x, mean, invstd = saved
        if mean is not None:
            dx, dweight, dbias = _C.batch_norm_train_backward(x, dy, params.get("weight"), mean, invstd,
                                                              need_dx=wants.inputs[0], need_params=wants.params)
        else:
            scale = invstd * (params["weight"] if "weight" in params else 1.0)
            shape = (1, -1) + (1,) * (x.ndim - 2)
            dx = dy * scale.reshape(shape) if wants.inputs[0] else None
            axes = (0,) + tuple(range(2, x.ndim))
            xhat = (x - params["running_mean"].reshape(shape)) * invstd.reshape(shape)
            dweight = (dy * xhat).sum(axis=axes, dtype=np.float64).astype(np.float32) if wants.params else None
            dbias = dy.sum(axis=axes, dtype=np.float64).astype(np.float32) if wants.params else None
        grads = {}
        if wants.params:
            grads = {role: g for role, g in (("weight", dweight), ("bias", dbias)) if role in params}
        return [dx], grads


@train_op("relu")
class ReluOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        y = _C.relu(inputs[0])
        return y, y

    def backward(self, node, params, y, dy, wants):
        return [_C.relu_backward(y, dy)], {}


@train_op("dropout")
class DropoutOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        p = float(node.attrs.get("p", 0.5))
        y, mask = _C.dropout(inputs[0], p, mode.dropout_seed())
        return y, (mask, p)

    def backward(self, node, params, saved, dy, wants):
        mask, p = saved
        return [_C.dropout_backward(dy, mask, p)], {}


def _pool_window(node):
    return get_layer(node.op).window(node)


@train_op("max_pool2d")
class MaxPoolOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        kernel, stride, padding, dilation = _pool_window(node)
        y, indices = _C.max_pool2d_train(inputs[0], kernel, stride, padding, dilation,
                                         bool(node.attrs.get("ceil_mode", False)))
        return y, (indices, inputs[0].shape)

    def backward(self, node, params, saved, dy, wants):
        indices, shape = saved
        return [_C.max_pool2d_backward(dy, indices, shape)], {}


class ReluMaxPoolOp(TrainOp):
    """ReLU then max pooling (LeNet, AlexNet, VGG), run as pooling then ReLU: max and ReLU commute,
    so the ReLU touches the 4x smaller pooled map, its output is never stored, and its backward is
    the pool's backward gated by the pooled output (a window whose maximum is <= 0 passes no
    gradient, as ReLU's would not). `node` is the pool; its input is the ReLU's input."""

    def forward(self, node, params, inputs, mode):
        y, (indices, shape) = _OPS["max_pool2d"].forward(node, params, inputs, mode)
        return _C.relu(y, out=y), (indices, shape, y)

    def backward(self, node, params, saved, dy, wants):
        indices, shape, y = saved
        return [_C.max_pool2d_backward(dy, indices, shape, gate=y)], {}


RELU_MAX_POOL = ReluMaxPoolOp()


@train_op("avg_pool2d")
class AvgPoolOp(TrainOp):
    def args(self, node):
        kernel, stride, padding, _ = _pool_window(node)
        return (kernel, stride, padding, bool(node.attrs.get("ceil_mode", False)),
                bool(node.attrs.get("count_include_pad", True)))

    def forward(self, node, params, inputs, mode):
        return _C.avg_pool2d(inputs[0], *self.args(node)), inputs[0].shape

    def backward(self, node, params, shape, dy, wants):
        return [_C.avg_pool2d_backward(dy, shape, *self.args(node))], {}


@train_op("adaptive_avg_pool2d")
class AdaptiveAvgPoolOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        return _C.adaptive_avg_pool2d(inputs[0], int_pair_attr(node, "output_size")), inputs[0].shape

    def backward(self, node, params, shape, dy, wants):
        return [_C.adaptive_avg_pool2d_backward(dy, shape)], {}


@train_op("lrn")
class LrnOp(TrainOp):
    def args(self, node):
        a = node.attrs
        return a["size"], float(a.get("alpha", 1e-4)), float(a.get("beta", 0.75)), float(a.get("k", 1.0))

    def forward(self, node, params, inputs, mode):
        return _C.lrn(inputs[0], *self.args(node)), inputs[0]

    def backward(self, node, params, x, dy, wants):
        return [_C.lrn_backward(x, dy, *self.args(node))], {}


@train_op("add")
class AddOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        return _C.add(inputs[0], inputs[1]), None

    def backward(self, node, params, saved, dy, wants):
        return [dy if want else None for want in wants.inputs], {}


@train_op("concat")
class ConcatOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        return _C.concat(inputs, 1), [x.shape[1] for x in inputs]

    def backward(self, node, params, widths, dy, wants):
        bounds = np.cumsum([0] + widths)
        return [np.ascontiguousarray(dy[:, bounds[i]:bounds[i + 1]]) if want else None
                for i, want in enumerate(wants.inputs)], {}


@train_op("flatten")
class FlattenOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        x = inputs[0]
        return x.reshape(x.shape[0], -1), x.shape

    def backward(self, node, params, shape, dy, wants):
        return [dy.reshape(shape)], {}


@train_op("softmax")
class SoftmaxOp(TrainOp):
    def forward(self, node, params, inputs, mode):
        y = _C.softmax(inputs[0], node.attrs.get("axis", 1))
        return y, y

    def backward(self, node, params, y, dy, wants):
        axis = node.attrs.get("axis", 1)
        return [(y * (dy - (dy * y).sum(axis=axis, keepdims=True))).astype(np.float32)], {}


def trainable_roles(op: str) -> Tuple[str, ...]:
    """Parameter roles that are learned (BatchNorm's running statistics are not)."""
    return {"conv2d": ("weight", "bias"), "linear": ("weight", "bias"), "batch_norm2d": ("weight", "bias")}.get(op, ())


def training_plan(graph) -> List[Tuple]:
    """(node, op, input names) per step of the training run, in graph order. A ReLU whose only
    consumer is a max pool (and which is no graph output) is folded into it (ReluMaxPoolOp)."""
    uses: Dict[str, int] = {}
    for name in [t for node in graph.nodes for t in node.inputs] + graph.outputs + graph.training_outputs:
        uses[name] = uses.get(name, 0) + 1
    by_name = {node.name: node for node in graph.nodes}
    plan = []
    for node in graph.nodes:
        op = get_train_op(node)
        source = by_name.get(node.inputs[0]) if node.op == "max_pool2d" else None
        if source is not None and source.op == "relu" and uses[source.name] == 1:
            plan = [step for step in plan if step[0] is not source]
            plan.append((node, RELU_MAX_POOL, list(source.inputs)))
        else:
            plan.append((node, op, list(node.inputs)))
    return plan
