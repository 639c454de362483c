"""The graph IR: named nodes in topological order, each producing one tensor named after the
node, parameters under their PyTorch state_dict names, and the model's metadata.

Shapes are full NCHW (or N x F) tuples; graph inputs declare per-sample shapes where None means
"any size" (the batch is always free).

A graph read from a model file may drop its parameter arrays once a Model has packed them
(take_params): `params` then reads them from the file again on first access (checking that the
file still holds the same bytes) and keeps them from then on.
"""
import threading
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from cnnengine.errors import GraphError
from cnnengine.layers import get_layer


@dataclass
class Node:
    name: str
    op: str
    inputs: List[str]
    attrs: Dict = field(default_factory=dict)
    params: Dict[str, str] = field(default_factory=dict)  # role ("weight") -> parameter name

    def to_dict(self):
        return {"name": self.name, "op": self.op, "inputs": list(self.inputs), "attrs": dict(self.attrs),
                "params": dict(self.params)}


@dataclass
class InputSpec:
    name: str
    shape: Tuple[Optional[int], ...]  # per sample, e.g. (3, 224, 224) or (3, None, None)

    def to_dict(self):
        return {"name": self.name, "shape": list(self.shape)}


class Graph:
    """A network: inputs, nodes, outputs (plus outputs used only in training), parameters, metadata."""

    def __init__(self, name: str, inputs: Sequence[InputSpec], nodes: Sequence[Node], outputs: Sequence[str],
                 params: Dict[str, np.ndarray], metadata: Optional[Dict] = None,
                 training_outputs: Sequence[str] = ()):
        self.name = name
        self.inputs = list(inputs)
        self.nodes = list(nodes)
        self.outputs = list(outputs)
        self.training_outputs = list(training_outputs)
        self.params = params
        self.metadata = dict(metadata or {})
        self._reload: Optional[Callable[[], Dict[str, np.ndarray]]] = None
        self._params_lock = threading.Lock()

    @property
    def params(self) -> Dict[str, np.ndarray]:
        """Parameter name -> array (read from the model file again if take_params dropped them)."""
        with self._params_lock:
            if self._params is None:
                self._params = self._reload()
            self._reload = None  # handed out: the arrays may change, so the file no longer stands for them
            return self._params

    @params.setter
    def params(self, params: Dict[str, np.ndarray]) -> None:
        self._params = dict(params)
        self._reload = None

    def __getstate__(self):
        """Pickled (Ray ships graphs to its actors) with its arrays and without the lock."""
        state = dict(self.__dict__, _params=self.params, _reload=None)
        del state["_params_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._params_lock = threading.Lock()

    def keep_file_source(self, reload: Callable[[], Dict[str, np.ndarray]]) -> None:
        """Declares that reload() returns these parameters (the model file they were read from)."""
        self._reload = reload

    def take_params(self) -> Optional[Dict[str, np.ndarray]]:
        """For a graph with a file source: its parameter arrays, handed over to the caller (who may
        consume them), read from the file again if they were handed over before. Else None: the
        arrays stay with the graph (see `params`)."""
        with self._params_lock:
            if self._reload is None:
                return None
            taken = self._reload() if self._params is None else self._params
            self._params = None
            return taken

    # -- structure -------------------------------------------------------------------------
    def validate(self) -> None:
        """Checks structure, attributes and parameters; raises GraphError listing what is wrong."""
        defined = {spec.name for spec in self.inputs}
        if len(defined) != len(self.inputs):
            raise GraphError("graph input names are not unique")
        for index, node in enumerate(self.nodes):
            if not isinstance(node.name, str) or not node.name or node.name in defined:
                raise GraphError(f"node #{index}: name {node.name!r} is empty or not unique")
            layer = get_layer(node.op)
            for tensor in node.inputs:
                if tensor not in defined:
                    raise GraphError(f"node '{node.name}' ({node.op}) reads '{tensor}', which is not a graph "
                                     "input or an earlier node (graphs must be in topological order)")
            if layer.num_inputs is not None and len(node.inputs) != layer.num_inputs:
                raise GraphError(f"node '{node.name}' ({node.op}): expected {layer.num_inputs} input(s), "
                                 f"got {len(node.inputs)}")
            layer.check_attrs(node)
            unknown_roles = set(node.params) - set(layer.params)
            missing_roles = {role for role, required in layer.params.items() if required} - set(node.params)
            if unknown_roles or missing_roles:
                raise GraphError(f"node '{node.name}' ({node.op}): parameter roles {sorted(unknown_roles)} are "
                                 f"unknown and {sorted(missing_roles)} are missing")
            defined.add(node.name)
        for name in self.outputs + self.training_outputs:
            if name not in defined:
                raise GraphError(f"graph output '{name}' is not produced by any node")
        if not self.outputs:
            raise GraphError("graph has no outputs")
        self.check_params()

    def expected_param_shapes(self) -> Dict[str, Tuple[int, ...]]:
        expected = {}
        for node in self.nodes:
            shapes = get_layer(node.op).param_shapes(node)
            for role, name in node.params.items():
                expected[name] = tuple(shapes[role])
        return expected

    def check_params(self) -> None:
        """One GraphError naming every missing, unexpected or wrongly shaped parameter."""
        expected = self.expected_param_shapes()
        problems = []
        for name, shape in expected.items():
            if name not in self.params:
                problems.append(f"missing '{name}' (expected shape {shape})")
            elif tuple(self.params[name].shape) != shape:
                problems.append(f"'{name}': expected shape {shape}, found {tuple(self.params[name].shape)}")
            elif self.params[name].dtype != np.float32:
                problems.append(f"'{name}': expected float32, found {self.params[name].dtype}")
        for name in sorted(set(self.params) - set(expected)):
            problems.append(f"unexpected '{name}' (shape {tuple(self.params[name].shape)})")
        if problems:
            raise GraphError(f"graph '{self.name}': {len(problems)} parameter problem(s):\n  " + "\n  ".join(problems))

    def with_outputs(self, outputs: Sequence[str]) -> "Graph":
        """The same network (parameters shared, not copied) computing `outputs`, which may be any
        node tensors: the executor then prunes what they do not need and fuses nothing across them."""
        if not outputs:
            raise GraphError(f"graph '{self.name}': no outputs given")
        produced = {node.name for node in self.nodes}
        missing = [name for name in outputs if name not in produced]
        if missing:
            raise GraphError(f"graph '{self.name}': {missing} are not tensors of its nodes")
        return Graph(self.name, self.inputs, self.nodes, outputs, self.params, self.metadata)

    def penultimate_tensor(self) -> str:
        """The tensor the last layer with parameters reads on the way to the first output: the
        features (embeddings) a classifier's final layer maps to its logits (ResNet's flattened
        global pool, VGG's last hidden ReLU). Parameterless tail nodes (softmax, flatten) are skipped."""
        producers = {node.name: node for node in self.nodes}
        node = producers.get(self.outputs[0])
        while node is not None and not node.params:
            node = producers.get(node.inputs[0])
        if node is None:
            raise GraphError(f"graph '{self.name}': no layer with parameters produces output '{self.outputs[0]}'")
        return node.inputs[0]

    # -- shapes ----------------------------------------------------------------------------
    def infer_shapes(self, input_shapes: Dict[str, Tuple[int, ...]], nodes: Optional[Sequence[Node]] = None):
        """Full shape of every tensor for concrete input shapes (batch included)."""
        shapes = {name: tuple(shape) for name, shape in input_shapes.items()}
        for node in nodes if nodes is not None else self.nodes:
            shapes[node.name] = tuple(get_layer(node.op).output_shape(node, [shapes[t] for t in node.inputs]))
        return shapes

    def example_input_shapes(self, batch: int = 1) -> Dict[str, Tuple[int, ...]]:
        """Input shapes with the declared per-sample sizes (GraphError where a size is free)."""
        shapes = {}
        for spec in self.inputs:
            if any(dim is None for dim in spec.shape):
                raise GraphError(f"input '{spec.name}' has free dimensions {spec.shape}; give a concrete shape")
            shapes[spec.name] = (batch,) + tuple(spec.shape)
        return shapes

    # -- serialisation -----------------------------------------------------------------------
    def structure(self) -> Dict:
        """JSON-serialisable topology (everything but the parameter values and metadata)."""
        return {"name": self.name, "inputs": [s.to_dict() for s in self.inputs],
                "nodes": [n.to_dict() for n in self.nodes], "outputs": list(self.outputs),
                "training_outputs": list(self.training_outputs)}

    @classmethod
    def from_structure(cls, structure: Dict, params: Dict[str, np.ndarray], metadata: Dict) -> "Graph":
        try:
            inputs = [InputSpec(str(s["name"]), tuple(s["shape"])) for s in structure["inputs"]]
            nodes = [Node(str(n["name"]), str(n["op"]), [str(t) for t in n["inputs"]], dict(n.get("attrs", {})),
                          {str(k): str(v) for k, v in n.get("params", {}).items()}) for n in structure["nodes"]]
            outputs = [str(o) for o in structure["outputs"]]
            training_outputs = [str(o) for o in structure.get("training_outputs", [])]
            name = str(structure.get("name", "model"))
        except (KeyError, TypeError, AttributeError) as error:
            raise GraphError(f"malformed graph structure: {error!r}") from None
        for spec in inputs:
            if not all(d is None or isinstance(d, int) and d > 0 for d in spec.shape):
                raise GraphError(f"input '{spec.name}': invalid shape {spec.shape}")
        return cls(name, inputs, nodes, outputs, params, metadata, training_outputs)
