"""Runs an optimized graph: weights are packed once when the Plan is built; for each distinct set
of input shapes a memory plan is computed once and cached; a run is one kernel call per node
writing into its arena slice (the C++ kernels release the GIL)."""
import threading
from math import prod
from typing import Dict, List, Optional, Tuple

import numpy as np

from cnnengine.graph import Graph
from cnnengine.layers import get_layer
from cnnengine.memory_plan import ALIGN, MemoryPlan, plan_memory
from cnnengine.passes import optimize_for_inference

MAX_CACHED_SHAPES = 8


class Plan:
    """An inference plan: fused nodes with prepared kernels, plus per-shape memory plans."""

    def __init__(self, graph: Graph, conv_algorithms: Optional[Dict[str, str]] = None):
        self.graph = graph
        nodes, params, self.outputs = optimize_for_inference(graph, conv_algorithms)
        self.steps = []  # (node, layer, kernel or None for views)
        for node in nodes:
            layer = get_layer(node.op)
            kernel = None if layer.view else layer.prepare(node, {r: params[n] for r, n in node.params.items()})
            self.steps.append((node, layer, kernel))
        self.nodes = nodes
        self._memory: Dict[Tuple, Tuple[Dict, MemoryPlan]] = {}
        self._lock = threading.Lock()

    def shapes_and_memory(self, input_shapes: Dict[str, Tuple[int, ...]]):
        key = tuple(sorted(input_shapes.items()))
        with self._lock:
            cached = self._memory.get(key)
        if cached is not None:
            return cached
        shapes = self.graph.infer_shapes(input_shapes, self.nodes)
        memory = plan_memory([(n, layer) for n, layer, _ in self.steps], shapes, list(input_shapes), self.outputs)
        with self._lock:
            if len(self._memory) >= MAX_CACHED_SHAPES:
                self._memory.pop(next(iter(self._memory)))
            self._memory[key] = (shapes, memory)
        return shapes, memory

    def run(self, inputs: Dict[str, np.ndarray]) -> List[np.ndarray]:
        shapes, memory = self.shapes_and_memory({name: array.shape for name, array in inputs.items()})
        # One arena per call: concurrent calls on one model never share scratch memory.
        arena = np.empty(memory.arena_floats + ALIGN, dtype=np.float32)
        start = (-arena.ctypes.data // 4) % ALIGN  # first 64-byte boundary
        views: Dict[int, np.ndarray] = {}
        for index, buffer in enumerate(memory.buffers):
            if buffer.is_output:
                views[index] = np.empty(buffer.size, dtype=np.float32)
            else:
                views[index] = arena[start + buffer.offset:start + buffer.offset + buffer.size]
        tensors = dict(inputs)
        for node, layer, kernel in self.steps:
            shape = shapes[node.name]
            if kernel is None:  # a view of its input
                tensors[node.name] = layer.view_of(node, tensors[node.inputs[0]], shape)
                continue
            out = views[memory.buffer_of[node.name]][:prod(shape)].reshape(shape)
            tensors[node.name] = kernel([tensors[t] for t in node.inputs], out)
        return [np.ascontiguousarray(tensors[name]) for name in self.outputs]
