"""Reading an ONNX file into a checked, topologically ordered list of nodes. Every problem with
the file itself (unreadable, truncated, cyclic, a node reading a tensor nothing produces) is a
ModelFormatError naming the file and the node."""
import os
from typing import Dict, List, Tuple

import numpy as np

from cnnengine.errors import ModelFormatError


def require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("reading ONNX files needs the onnx package: pip install 'cnnengine[onnx]'") from None
    return onnx


def read_model(source):
    """The ModelProto of a path or of the file's bytes."""
    onnx = require_onnx()
    from google.protobuf.message import DecodeError

    label = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<bytes>"
    try:
        if isinstance(source, (bytes, bytearray)):
            model = onnx.load_model_from_string(bytes(source))
        else:
            if not os.path.isfile(label):
                raise ModelFormatError(f"ONNX file not found: {label}")
            model = onnx.load(label)
    except ModelFormatError:
        raise
    except (DecodeError, ValueError, OSError, TypeError) as error:
        raise ModelFormatError(f"{label}: not a readable ONNX model ({type(error).__name__}: {error})") from None
    if not model.HasField("graph") or not model.graph.node:
        raise ModelFormatError(f"{label}: the ONNX model has no graph nodes (truncated or empty file?)")
    return model, label


def describe(node, index) -> str:
    return f"ONNX node #{index} '{node.name or '(unnamed)'}' ({node.op_type})"


def topological_nodes(graph, known: set, label: str) -> List[Tuple[int, object]]:
    """(index in the file, node) ordered so that each node runs after the producers of its inputs;
    ModelFormatError for a missing input or a cycle. Keeps the file's order where it is valid."""
    producer: Dict[str, int] = {}
    for index, node in enumerate(graph.node):
        for name in node.output:
            if name:
                if name in producer or name in known:
                    raise ModelFormatError(f"{label}: tensor '{name}' is produced twice "
                                           f"(by {describe(node, index)})")
                producer[name] = index
    for index, node in enumerate(graph.node):
        for name in node.input:
            if name and name not in producer and name not in known:
                raise ModelFormatError(f"{label}: {describe(node, index)} reads '{name}', which is no graph input, "
                                       "initializer or node output")
    order, state = [], {}  # state: 1 visiting, 2 done

    def visit(start):
        stack = [(start, iter(graph.node[start].input))]
        state[start] = 1
        while stack:
            index, inputs = stack[-1]
            for name in inputs:
                before = producer.get(name)
                if before is None or state.get(before) == 2:
                    continue
                if state.get(before) == 1:
                    raise ModelFormatError(f"{label}: the graph has a cycle through {describe(graph.node[before], before)}"
                                           f" and tensor '{name}'")
                state[before] = 1
                stack.append((before, iter(graph.node[before].input)))
                break
            else:
                stack.pop()
                state[index] = 2
                order.append((index, graph.node[index]))

    for index in range(len(graph.node)):
        if index not in state:
            visit(index)
    return order


def initializer_arrays(model, label) -> Dict[str, np.ndarray]:
    from onnx import numpy_helper

    arrays = {}
    for tensor in model.graph.initializer:
        try:
            arrays[tensor.name] = numpy_helper.to_array(tensor, base_dir=os.path.dirname(label) if label != "<bytes>" else "")
        except (ValueError, OSError, TypeError) as error:
            raise ModelFormatError(f"{label}: initializer '{tensor.name}' is unreadable ({error})") from None
    return arrays
