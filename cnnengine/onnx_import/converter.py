"""ONNX graph -> cnnengine Graph. The importer walks the nodes in topological order keeping, for
every ONNX tensor, either a folded constant (folding.py) or the IR tensor that computes it; op
handlers (ops.py) emit IR nodes with the existing layers, so the usual passes (BN folding,
residual/ReLU fusion) and kernels apply to imported networks.

Every IR tensor's shape is tracked at two probe input shapes (batch 1 and 2; two sizes for free
spatial dimensions): a dimension that differs between the probes is a run-time Dim when a Shape
op reads it."""
import os
from typing import Dict, List, Optional

import numpy as np

from cnnengine.errors import GraphError
from cnnengine.graph import Graph, InputSpec, Node
from cnnengine.layers import get_layer
from cnnengine.onnx_import.folding import BATCH, Dim, UnsupportedOnnx, fold_numeric, fold_shape_op
from cnnengine.onnx_import.reader import describe, initializer_arrays, read_model, topological_nodes

PROBE_BATCHES = (1, 2)
PROBE_SIZES = (224, 160)  # stand-ins for free spatial dimensions while shapes are inferred


class OnnxImportError(GraphError):
    """An ONNX graph uses an operator, attribute or pattern that cnnengine cannot run."""


class Importer:
    def __init__(self, model, label):
        from cnnengine.onnx_import.ops import HANDLERS

        self.handlers = HANDLERS
        self.label = label
        self.graph_proto = model.graph
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
        self.constants: Dict[str, np.ndarray] = initializer_arrays(model, label)
        self.tensors: Dict[str, str] = {}  # ONNX tensor -> IR tensor
        self.probes: List[Dict[str, tuple]] = [{}, {}]
        self.nodes: List[Node] = []
        self.params: Dict[str, np.ndarray] = {}
        self.names = set()
        self.consumed = {name for node in model.graph.node for name in node.input} | \
            {output.name for output in model.graph.output}
        self.input_spec, self.static_batch = self._input()

    # -- the graph input -----------------------------------------------------------------------
    def _input(self):
        runtime = [v for v in self.graph_proto.input if v.name not in self.constants]
        if len(runtime) != 1:
            raise OnnxImportError(f"{self.label}: cnnengine runs networks with one input; this graph has "
                                  f"{len(runtime)} ({', '.join(v.name for v in runtime)})")
        value = runtime[0]
        tensor_type = value.type.tensor_type
        if tensor_type.elem_type != 1:  # TensorProto.FLOAT
            raise OnnxImportError(f"{self.label}: input '{value.name}' must be float32 (elem_type 1), "
                                  f"got elem_type {tensor_type.elem_type}")
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tensor_type.shape.dim]
        if len(dims) not in (2, 4):
            raise OnnxImportError(f"{self.label}: input '{value.name}' must be N x C x H x W or N x F, got rank {len(dims)}")
        if dims[1] is None:
            raise OnnxImportError(f"{self.label}: input '{value.name}' has a free channel dimension")
        name = self.fresh(value.name)
        self.tensors[value.name] = name
        for probe, batch, size in zip(self.probes, PROBE_BATCHES, PROBE_SIZES):
            probe[name] = (batch,) + tuple(size if d is None else d for d in dims[1:])
        return InputSpec(name, tuple(dims[1:])), dims[0]

    def fresh(self, wanted: str) -> str:
        name = wanted or "tensor"
        while name in self.names:
            name += "_"
        self.names.add(name)
        return name

    # -- values --------------------------------------------------------------------------------
    def is_constant(self, name: str) -> bool:
        return name in self.constants

    def constant(self, name: str, what: str) -> np.ndarray:
        if name not in self.constants:
            raise UnsupportedOnnx(f"{what} ('{name}') must be a constant (initializer or Constant node)")
        return self.constants[name]

    def optional_constant(self, node, index: int, what: str) -> Optional[np.ndarray]:
        if len(node.input) <= index or not node.input[index]:
            return None
        return self.constant(node.input[index], what)

    def runtime(self, name: str, what: str = "input") -> str:
        if name not in self.tensors:
            raise UnsupportedOnnx(f"{what} '{name}' is a constant where cnnengine needs a run-time tensor")
        return self.tensors[name]

    def symbolic_shape(self, ir_name: str) -> tuple:
        a, b = (probe[ir_name] for probe in self.probes)
        return tuple(BATCH if i == 0 else (x if x == y else Dim(f"{ir_name}.shape[{i}]"))
                     for i, (x, y) in enumerate(zip(a, b)))

    def shape(self, ir_name: str) -> tuple:
        """The shape at the first probe (batch 1); free dimensions hold their stand-in size."""
        return self.probes[0][ir_name]

    def static_dims(self, ir_name: str, axes, what: str) -> tuple:
        shape = self.symbolic_shape(ir_name)
        values = tuple(shape[a] for a in axes)
        if any(isinstance(v, Dim) for v in values):
            raise UnsupportedOnnx(f"{what} needs a fixed size, but the input {shape} is free on axes {list(axes)}")
        return values

    # -- emitting IR nodes ---------------------------------------------------------------------
    def emit(self, op: str, inputs: List[str], attrs: Dict, output: str, params: Optional[Dict] = None) -> str:
        """Adds an IR node computing ONNX tensor `output` (or an internal one when output is '')."""
        name = self.fresh(output or f"{op}")
        node = Node(name, op, list(inputs), attrs, {role: f"{name}.{role}" for role in params or {}})
        layer = get_layer(op)
        layer.check_attrs(node)
        expected = layer.param_shapes(node)
        for role, value in (params or {}).items():
            if tuple(np.shape(value)) != tuple(expected[role]):
                raise GraphError(f"{role} of shape {tuple(np.shape(value))} does not fit the input of shape "
                                 f"{self.symbolic_shape(inputs[0])} (expected {tuple(expected[role])})")
        for probe in self.probes:
            probe[name] = tuple(layer.output_shape(node, [probe[t] for t in inputs]))
        for role, value in (params or {}).items():
            self.params[f"{name}.{role}"] = np.ascontiguousarray(value, dtype=np.float32)
        self.nodes.append(node)
        if output:
            self.tensors[output] = name
        return name

    def alias(self, output: str, ir_name: str) -> None:
        self.tensors[output] = ir_name

    # -- the walk --------------------------------------------------------------------------------
    def run(self) -> Graph:
        known = set(self.constants) | {v.name for v in self.graph_proto.input}
        for index, node in topological_nodes(self.graph_proto, known, self.label):
            try:
                self.convert(node)
            except UnsupportedOnnx as error:
                raise OnnxImportError(f"{self.label}: {describe(node, index)}: {error}") from None
            except GraphError as error:
                raise OnnxImportError(f"{self.label}: {describe(node, index)}: {error}") from None
        return self.finish()

    def convert(self, node) -> None:
        from onnx import helper

        if node.domain not in ("", "ai.onnx"):
            raise UnsupportedOnnx(f"operator domain '{node.domain}' is not supported")
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
        if all(not name or name in self.constants for name in node.input):
            self.fold(node, attrs)
            return
        handler = self.handlers.get(node.op_type)
        if handler is None:
            raise UnsupportedOnnx(f"operator {node.op_type} is not supported on run-time tensors")
        allowed = handler.attributes
        unknown = sorted(set(attrs) - set(allowed))
        if unknown:
            raise UnsupportedOnnx(f"attribute(s) {unknown} of {node.op_type} are not supported")
        handler(self, node, attrs)

    def fold(self, node, attrs) -> None:
        inputs = [self.constants[name] if name else None for name in node.input]
        if node.op_type == "Constant":
            results = [constant_value(attrs)]
        else:
            folded = fold_shape_op(node.op_type, attrs, inputs, self.opset)
            results = [folded] if folded is not None else fold_numeric(node, inputs)
        for name, value in zip(node.output, results):
            if name:
                self.constants[name] = value

    # -- the result ------------------------------------------------------------------------------
    def finish(self) -> Graph:
        outputs = []
        for value in self.graph_proto.output:
            if value.name not in self.tensors:
                raise OnnxImportError(f"{self.label}: graph output '{value.name}' is a constant; cnnengine needs "
                                      "outputs computed from the input")
            name = self.tensors[value.name]
            if name == self.input_spec.name:
                raise OnnxImportError(f"{self.label}: graph output '{value.name}' is the input itself")
            self.check_declared_shape(value, name)
            outputs.append(name)
        name = self.graph_proto.name or "onnx_model" if self.label == "<bytes>" else \
            os.path.splitext(os.path.basename(self.label))[0]
        metadata = {"name": name, "source": {"format": "onnx", "opset": self.opset}}
        if all(d is not None for d in self.input_spec.shape):
            metadata["input_shape"] = list(self.input_spec.shape)
        graph = Graph(metadata["name"], [self.input_spec], self.nodes, outputs, self.params, metadata)
        graph.validate()
        return graph

    def check_declared_shape(self, value, ir_name) -> None:
        """The output's declared fixed dimensions (past the batch) must match what we computed."""
        declared = [d.dim_value if d.HasField("dim_value") else None for d in value.type.tensor_type.shape.dim]
        ours = self.symbolic_shape(ir_name)
        if not declared:
            return
        mismatch = len(declared) != len(ours) or any(
            d is not None and not isinstance(o, Dim) and d != o for d, o in zip(declared[1:], ours[1:]))
        if mismatch:
            raise OnnxImportError(f"{self.label}: graph output '{value.name}' is declared with shape {declared} but "
                                  f"the graph computes {list(ours)}")


CONSTANT_KINDS = {"value_float": np.float32, "value_floats": np.float32, "value_int": np.int64,
                  "value_ints": np.int64}


def constant_value(attrs) -> np.ndarray:
    from onnx import numpy_helper

    if "value" in attrs:
        return numpy_helper.to_array(attrs["value"])
    for kind, dtype in CONSTANT_KINDS.items():
        if kind in attrs:
            return np.array(attrs[kind], dtype=dtype)
    raise UnsupportedOnnx(f"Constant attributes {sorted(attrs)} are not supported")


def import_onnx(source) -> Graph:
    """A validated cnnengine Graph from an ONNX file path or its bytes."""
    model, label = read_model(source)
    return Importer(model, label).run()
