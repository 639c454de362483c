"""Runs an optimized graph: weights are packed once when the Plan is built; for each distinct set
of input shapes a memory plan is computed once and cached; a run is one kernel call per node
writing into its arena slice (the C++ kernels release the GIL).

Per-call overhead matters for small networks (LeNet at batch 1 runs in ~0.1 ms): each calling
thread keeps its arena and the list of (kernel, inputs, out) calls bound to it for the last input
shapes it ran, so that a repeated call only patches in the new input arrays and loops over the
kernels. Arenas above KEEP_ARENA_BYTES are allocated per call and freed after it, unless the same
shapes come twice in a row.
"""
import threading
import time
from collections import Counter
from math import prod
from typing import Dict, List, Optional, Tuple

import numpy as np

from cnnengine import _C
from cnnengine.graph import Graph
from cnnengine.layers import get_layer
from cnnengine.memory_plan import ALIGN, MemoryPlan, plan_memory
from cnnengine.passes import optimize_for_inference, param_value

MAX_CACHED_SHAPES = 8
KEEP_ARENA_BYTES = 32 << 20
# While handed-over weights are packed, the heap is trimmed whenever this much was dropped: each
# trim costs ~0.5 ms, and the holes it returns would otherwise add up to the peak (docs/memory.md).
TRIM_AFTER_BYTES = 4 << 20


class BoundRun:
    """The kernel calls of one plan for one set of input shapes, bound to one arena.

    calls: [kernel, input arrays, out] per kernel node; arguments that are graph inputs (or views
    of them) are patched in per call through `patches`; outputs are arena views copied out."""

    def __init__(self, plan: "Plan", input_names, shapes, memory: MemoryPlan):
        self.key = tuple(sorted((name, shapes[name]) for name in input_names))
        arena = np.empty(memory.arena_floats + ALIGN, dtype=np.float32)
        start = (-arena.ctypes.data // 4) % ALIGN  # first 64-byte boundary
        tensors = {}
        for node, layer, kernel in plan.steps:
            if kernel is not None:
                buffer = memory.buffers[memory.buffer_of[node.name]]
                offset = start + buffer.offset
                tensors[node.name] = arena[offset:offset + prod(shapes[node.name])].reshape(shapes[node.name])
        self.dynamic_views = []  # (node, layer, shape): views of graph inputs, made per call
        self.calls, self.patches = [], []  # patches: (argument list, position, tensor name)
        dynamic = set(input_names)
        for node, layer, kernel in plan.steps:
            shape = shapes[node.name]
            if kernel is None:
                if node.inputs[0] in dynamic:
                    dynamic.add(node.name)
                    self.dynamic_views.append((node, layer, shape))
                else:
                    tensors[node.name] = layer.view_of(node, tensors[node.inputs[0]], shape)
                continue
            arguments = [None if name in dynamic else tensors[name] for name in node.inputs]
            self.patches += [(arguments, position, name) for position, name in enumerate(node.inputs)
                             if name in dynamic]
            self.calls.append((kernel, arguments, tensors[node.name]))
        self.outputs = [(name, tensors.get(name)) for name in plan.outputs]
        self.input_names = list(input_names)
        self.steps = self._bind_steps(shapes)

    def _copied_outputs(self, tensors) -> List[np.ndarray]:
        # An output that is a graph input (or a view of one) is copied too: callers own results.
        return [np.array(tensors[name] if view is None else view) for name, view in self.outputs]

    def _bind_steps(self, shapes) -> Optional["_C.PlanSteps"]:
        """All calls bound into one _C.PlanSteps (run in one C++ call, without the per-call checks
        and Python dispatch), when every kernel binds and graph inputs are read as they come (not
        through views); else None."""
        if self.dynamic_views or not all(hasattr(kernel, "bind") for kernel, _, _ in self.calls):
            return None
        steps = _C.PlanSteps()
        numbers = {name: steps.add_graph_input(shapes[name]) for name in self.input_names}
        patched = {}  # id(argument list) -> {position: graph input name}
        for arguments, position, name in self.patches:
            patched.setdefault(id(arguments), {})[position] = name
        for kernel, arguments, out in self.calls:
            names = patched.get(id(arguments), {})
            kernel.bind(steps, [numbers[names[i]] if i in names else a for i, a in enumerate(arguments)], out)
        return steps

    def run(self, inputs: Dict[str, np.ndarray], seconds: Optional[List[float]] = None) -> List[np.ndarray]:
        """The plan's outputs for `inputs`; with a `seconds` list, appends what each kernel call took."""
        tensors = dict(inputs)
        if self.steps is not None:
            graph_inputs = [inputs[name] for name in self.input_names]
            if seconds is None:
                self.steps.run(graph_inputs)
            else:
                seconds += self.steps.run_timed(graph_inputs)
            return self._copied_outputs(tensors)
        for node, layer, shape in self.dynamic_views:
            tensors[node.name] = layer.view_of(node, tensors[node.inputs[0]], shape)
        for arguments, position, name in self.patches:
            arguments[position] = tensors[name]
        try:
            for kernel, arguments, out in self.calls:
                if seconds is None:
                    kernel(arguments, out)
                else:
                    start = time.perf_counter()
                    kernel(arguments, out)
                    seconds.append(time.perf_counter() - start)
            return self._copied_outputs(tensors)
        finally:
            for arguments, position, _ in self.patches:
                arguments[position] = None  # hold no reference to the caller's arrays


class Plan:
    """An inference plan: fused nodes with prepared kernels, plus per-shape memory plans."""

    def __init__(self, graph: Graph, conv_algorithms: Optional[Dict[str, str]] = None,
                 params: Optional[Dict[str, np.ndarray]] = None):
        """params: the graph's parameter arrays when the caller hands them over (Graph.take_params):
        each is dropped as soon as its last layer is packed, and the heap's freed pages are handed
        back every TRIM_AFTER_BYTES, so that originals, folded copies and packed weights never all
        exist at once (docs/memory.md). Default: graph.params, left as they are."""
        self.graph = graph
        handed_over = params is not None
        nodes, params, self.outputs = optimize_for_inference(graph, conv_algorithms, params)
        uses = Counter(name for node in nodes for name in node.params.values())
        for name in set(params) - set(uses):  # replaced by folded copies, or pruned
            del params[name]
        self.steps = []  # (node, layer, kernel or None for views)
        freed = 0  # bytes dropped since the heap was last trimmed
        for node in nodes:
            layer = get_layer(node.op)
            arrays = {role: param_value(params[name]) for role, name in node.params.items()}
            kernel = None if layer.view else layer.prepare(node, arrays)
            self.steps.append((node, layer, kernel))
            for role, name in node.params.items():
                uses[name] -= 1
                if uses[name] == 0:
                    del params[name]
                    freed += arrays[role].nbytes
            del arrays
            if handed_over and (freed >= TRIM_AFTER_BYTES or node is nodes[-1] and freed):
                _C.release_free_heap()
                freed = 0
        self.nodes = nodes
        self._memory: Dict[Tuple, Tuple[Dict, MemoryPlan]] = {}
        self._lock = threading.Lock()
        self._bound = threading.local()  # .run: this thread's last BoundRun

    def kernel_nodes(self) -> List:
        """The nodes that run a kernel (views excluded), in the order they run."""
        return [node for node, _, kernel in self.steps if kernel is not None]

    def shapes_and_memory(self, input_shapes: Dict[str, Tuple[int, ...]]):
        key = tuple(sorted(input_shapes.items()))
        with self._lock:
            cached = self._memory.get(key)
        if cached is not None:
            return cached
        shapes = self.graph.infer_shapes(input_shapes, self.nodes)
        memory = plan_memory(self.steps, shapes, list(input_shapes), self.outputs)
        with self._lock:
            if len(self._memory) >= MAX_CACHED_SHAPES:
                self._memory.pop(next(iter(self._memory)))
            self._memory[key] = (shapes, memory)
        return shapes, memory

    def run(self, inputs: Dict[str, np.ndarray], seconds: Optional[List[float]] = None) -> List[np.ndarray]:
        """Outputs for `inputs`; with a `seconds` list, appends what each kernel call took, in the
        order of kernel_nodes()."""
        bound = getattr(self._bound, "run", None)
        key = tuple(sorted((name, array.shape) for name, array in inputs.items()))
        if bound is None or bound.key != key:
            shapes, memory = self.shapes_and_memory(dict(key))
            bound = BoundRun(self, list(inputs), shapes, memory)
            # One arena per thread: concurrent calls on one model never share scratch memory.
            # One above KEEP_ARENA_BYTES is kept only when the same shapes come twice in a row:
            # a single large batch does not pin its memory, and a loop over large batches does not
            # fault a fresh arena in on every call (ResNet-50 at batch 8, a 40 MiB arena: its
            # first conv and max pool ran 3x and 7x slower on fresh pages).
            repeated = getattr(self._bound, "last_key", None) == key
            self._bound.run = bound if memory.arena_floats * 4 <= KEEP_ARENA_BYTES or repeated else None
            self._bound.last_key = key
        return bound.run(inputs, seconds)
