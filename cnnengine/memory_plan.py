"""Static memory plan for one set of input shapes: every intermediate tensor gets a slice of one
arena, buffers whose lifetimes do not overlap share memory, element-wise ops (and a conv into its
residual) write in place into an input that dies with them, and views (flatten) alias their input.

Graph outputs get buffers of their own that live to the end of the run (the executor copies them
out for the caller); graph inputs are the caller's arrays and are never written.
"""
from dataclasses import dataclass
from math import prod
from typing import Dict, List, Optional

ALIGN = 16  # floats (64 bytes): every buffer starts on a cache line


@dataclass
class Buffer:
    size: int            # floats
    first: int           # index of the step that writes it first
    last: int            # index of the last step that reads it (or any alias of it)
    offset: int = -1     # in the arena, in floats
    is_output: bool = False


@dataclass
class MemoryPlan:
    buffer_of: Dict[str, Optional[int]]  # tensor -> buffer index (None: a graph input)
    buffers: List[Buffer]
    arena_floats: int


def plan_memory(steps, shapes, input_names, output_names) -> MemoryPlan:
    """steps: [(node, layer, kernel)] in execution order; shapes: tensor -> full shape."""
    last_use = {name: -1 for name in shapes}
    for index, (node, _, _) in enumerate(steps):
        for tensor in node.inputs:
            last_use[tensor] = index
    end = len(steps)
    for name in output_names:
        last_use[name] = end

    buffers: List[Buffer] = []
    buffer_of: Dict[str, Optional[int]] = {name: None for name in input_names}
    aliases: Dict[int, List[str]] = {}

    def buffer_dies_here(buffer, index):
        return buffer is not None and not buffers[buffer].is_output and \
            max(last_use[t] for t in aliases[buffer]) == index

    for index, (node, layer, kernel) in enumerate(steps):
        chosen = None
        if layer.view:
            chosen = buffer_of[node.inputs[0]]
        elif node.name not in output_names:
            for input_index in layer.in_place_inputs(node, kernel):
                candidate = buffer_of[node.inputs[input_index]]
                if buffer_dies_here(candidate, index) and buffers[candidate].size == prod(shapes[node.name]):
                    chosen = candidate
                    break
        if chosen is None and not layer.view:
            buffers.append(Buffer(prod(shapes[node.name]), index, index, is_output=node.name in output_names))
            chosen = len(buffers) - 1
            aliases[chosen] = []
        buffer_of[node.name] = chosen
        if chosen is not None:
            aliases[chosen].append(node.name)
    for buffer_index, names in aliases.items():
        buffers[buffer_index].last = max(last_use[t] for t in names)

    return MemoryPlan(buffer_of, buffers, assign_offsets(buffers))


def assign_offsets(buffers: List[Buffer]) -> int:
    """Largest first, each at the lowest offset that no lifetime-overlapping buffer occupies."""
    placed: List[Buffer] = []
    total = 0
    for buffer in sorted(buffers, key=lambda b: -b.size):
        size = (buffer.size + ALIGN - 1) // ALIGN * ALIGN
        busy = sorted((p.offset, p.offset + (p.size + ALIGN - 1) // ALIGN * ALIGN) for p in placed
                      if p.first <= buffer.last and buffer.first <= p.last)
        offset = 0
        for start, stop in busy:
            if offset + size <= start:
                break
            offset = max(offset, stop)
        buffer.offset = offset
        placed.append(buffer)
        total = max(total, offset + size)
    return total
