"""The contract every layer family implements. Layers hold no arithmetic: they check attributes
and shapes, and bind their parameters to the C++ kernels of cnnengine._C."""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from cnnengine.errors import GraphError

Shape = Tuple[int, ...]
# kernel(inputs, out) -> out: writes the node's result into `out` (an arena view) and returns it.
# A kernel may also have .bind(steps, inputs, out): the same call added to a _C.PlanSteps, where an
# input is an array or the number of a graph input (see bindable).
Kernel = Callable[[List[np.ndarray], np.ndarray], np.ndarray]


def bindable(kernel: Kernel, bind: Callable) -> Kernel:
    """kernel, with bind(steps, inputs, out) adding the same call to a _C.PlanSteps: a plan whose
    kernels all bind runs in one C++ call per predict (executor.BoundRun)."""
    kernel.bind = bind
    return kernel


class Layer:
    """One op type. Subclasses set `op`, `params` (role -> required) and implement the methods."""

    op: str = ""
    params: Dict[str, bool] = {}
    num_inputs: Optional[int] = 1  # None: variable (concat)
    # True when the output may share the input's buffer (element-wise ops, views).
    in_place: bool = False
    view: bool = False  # the output is a view of input 0 (no kernel call): see view_of

    def in_place_inputs(self, node, kernel) -> Tuple[int, ...]:
        """Indices of the inputs whose buffer the output may take over when they die with this node
        (`kernel`: what prepare returned); every input of an element-wise op."""
        return tuple(range(len(node.inputs))) if self.in_place else ()

    def check_attrs(self, node) -> None:
        """Raises GraphError when an attribute is missing or of the wrong type."""

    def param_shapes(self, node) -> Dict[str, Shape]:
        """Expected shape of each parameter role, for validation of loaded weights."""
        return {}

    def output_shape(self, node, input_shapes: Sequence[Shape]) -> Shape:
        raise NotImplementedError

    def macs(self, node, input_shapes: Sequence[Shape], output_shape: Shape) -> int:
        return 0

    def prepare(self, node, params: Dict[str, np.ndarray]) -> Kernel:
        """Packs weights once and returns the kernel closure."""
        raise NotImplementedError

    def view_of(self, node, x: np.ndarray, shape: Shape) -> np.ndarray:
        """For view layers: the output as a view of input x (by default a reshape)."""
        return x.reshape(shape)


def require_attr(node, name, kinds, *, optional=False):
    """Returns node.attrs[name] after checking its type; GraphError names node and attribute."""
    if name not in node.attrs:
        if optional:
            return None
        raise GraphError(f"node '{node.name}' ({node.op}): missing attribute '{name}'")
    value = node.attrs[name]
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in _as_tuple(kinds):
        raise GraphError(f"node '{node.name}' ({node.op}): attribute '{name}' has invalid value {value!r}")
    return value


def int_pair_attr(node, name, default=None):
    """An attribute stored as an int or a pair of ints, returned as a pair."""
    if name not in node.attrs and default is not None:
        return tuple(default)
    value = require_attr(node, name, (int, list, tuple))
    if isinstance(value, int):
        return (value, value)
    if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise GraphError(f"node '{node.name}' ({node.op}): attribute '{name}' must be an int or a pair, got {value!r}")
    return tuple(value)


def padding_quad(node):
    """Padding attribute (int, [h, w] or [top, left, bottom, right]) as four ints."""
    value = node.attrs.get("padding", 0)
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * 4
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) for v in value):
        if len(value) == 2:
            return (value[0], value[1], value[0], value[1])
        if len(value) == 4:
            return tuple(value)
    raise GraphError(f"node '{node.name}' ({node.op}): attribute 'padding' has invalid value {value!r}")


def _as_tuple(kinds):
    return kinds if isinstance(kinds, tuple) else (kinds,)


def expect_rank(node, shape, rank, what="input"):
    if len(shape) != rank:
        raise GraphError(f"node '{node.name}' ({node.op}): {what} must have rank {rank}, got shape {tuple(shape)}")


def expect_channels(node, shape, expected, unit="channels"):
    """Axis 1 of the input (channels, or a linear layer's features) must match the layer's weights."""
    if shape[1] != expected:
        raise GraphError(f"node '{node.name}' ({node.op}): input has {shape[1]} {unit}, expected {expected}")
