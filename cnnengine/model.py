"""Model: the user-facing object. Loads a graph, prepares its inference plan once (weights
packed, passes applied), and runs predict/classify on arrays or images."""
import os
from math import prod
from typing import List, Optional

import numpy as np

from cnnengine import _C
from cnnengine.errors import GraphError, InputError
from cnnengine.executor import Plan
from cnnengine.graph import Graph
from cnnengine.layers import get_layer
from cnnengine.model_format import load_graph, save_graph


class Model:
    def __init__(self, graph: Graph, num_threads: Optional[int] = None):
        if num_threads is not None and (not isinstance(num_threads, int) or num_threads < 1):
            raise ValueError(f"num_threads must be an int >= 1 or None, got {num_threads!r}")
        self.graph = graph
        self.num_threads = num_threads
        self._plan = Plan(graph)
        self.training = False
        self._trainer = None
        shape = graph.inputs[0].shape
        self._expected_input = "N x " + " x ".join("?" if d is None else str(d) for d in shape) + " float32"

    # -- metadata -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.graph.metadata.get("name", self.graph.name)

    @property
    def labels(self) -> Optional[List[str]]:
        return self.graph.metadata.get("labels")

    @property
    def preprocessing(self) -> Optional[dict]:
        return self.graph.metadata.get("preprocessing")

    @property
    def inputs(self) -> List[dict]:
        return [{"name": s.name, "shape": ("N",) + tuple(s.shape), "dtype": "float32"} for s in self.graph.inputs]

    @property
    def outputs(self) -> List[dict]:
        shapes = self._example_shapes()
        return [{"name": name, "shape": ("N",) + tuple(shapes[name][1:]) if shapes else None, "dtype": "float32"}
                for name in self._plan.outputs]

    def _example_shapes(self):
        """Tensor shapes at batch 1 for the declared input size, or the metadata's canonical size
        when the network accepts any size; None when neither gives a concrete shape."""
        try:
            inputs = self.graph.example_input_shapes(1)
        except GraphError:
            canonical = self.graph.metadata.get("input_shape")
            if not canonical:
                return None
            inputs = {self.graph.inputs[0].name: (1,) + tuple(canonical)}
        return self._plan.shapes_and_memory(inputs)[0]

    # -- inference ------------------------------------------------------------------------
    def predict(self, x):
        """Raw network outputs for a float32 N x C x H x W array, or for images (a path, a PIL
        image, a uint8 H x W x C array, or a list of those) preprocessed by the stored recipe.
        Returns one array, or a tuple when the network has several outputs."""
        batch = self._as_batch(x)
        previous = _C.get_num_threads()
        if self.num_threads is not None:
            _C.set_num_threads(self.num_threads)
        try:
            # In training mode the weights change under the plan: pack them afresh (eval() first is faster).
            plan = Plan(self.graph) if self.training else self._plan
            outputs = plan.run({self.graph.inputs[0].name: batch})
        finally:
            if self.num_threads is not None:
                _C.set_num_threads(previous)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def classify(self, image, top: int = 5):
        """[(label, probability), ...] for one image (or one-sample array), best first."""
        logits = self.predict(image)
        if isinstance(logits, tuple):
            logits = logits[0]
        if logits.ndim != 2 or logits.shape[0] != 1:
            raise InputError(f"classify takes one image; the network produced outputs of shape {logits.shape}")
        probabilities = _C.softmax(np.ascontiguousarray(logits), 1)[0]
        labels = self.labels or [str(i) for i in range(probabilities.shape[0])]
        if len(labels) != probabilities.shape[0]:
            raise InputError(f"model has {len(labels)} labels but {probabilities.shape[0]} outputs")
        order = np.argsort(-probabilities, kind="stable")[:max(1, int(top))]
        return [(labels[i], float(probabilities[i])) for i in order]

    def _as_batch(self, x) -> np.ndarray:
        spec, expected = self.graph.inputs[0], self._expected_input
        source = "input"
        if not isinstance(x, np.ndarray) or x.dtype != np.float32:
            from cnnengine import preprocess  # Pillow is imported only when images are given

            if isinstance(x, (str, os.PathLike)) or preprocess.is_image_like(x):
                if not self.preprocessing:
                    raise InputError(f"model '{self.name}' stores no preprocessing recipe; pass a {expected} array")
                x = preprocess.images_to_batch(x, self.preprocessing)
                source = "preprocessed image batch"
            else:
                kind = f"{x.dtype} array of shape {x.shape}" if isinstance(x, np.ndarray) else type(x).__name__
                raise InputError(f"input must be {expected} (or images), got {kind}")
        if x.ndim != 1 + len(spec.shape):
            raise InputError(f"{source} must be {expected}, got a {x.ndim}-D array of shape {x.shape}")
        for axis, dim in enumerate(spec.shape, start=1):
            if dim is not None and x.shape[axis] != dim:
                raise InputError(f"{source} must be {expected}, got shape {x.shape}")
        if x.shape[0] == 0:
            raise InputError(f"{source} must be {expected}, got an empty batch {x.shape}")
        return np.ascontiguousarray(x)

    # -- training (cnnengine.training) ----------------------------------------------------------
    @property
    def trainer(self):
        """The training executor (frozen parameters, tape, gradients), made on first use."""
        if self._trainer is None:
            from cnnengine.training.executor import TrainingExecutor

            self._trainer = TrainingExecutor(self.graph)
        return self._trainer

    def train(self, mode: bool = True) -> "Model":
        """Training mode (mode=True): BatchNorm uses batch statistics, dropout is on, nothing is
        folded or fused. eval() returns to inference and re-prepares the plan with the new weights."""
        if self.training and not mode:
            self._plan = Plan(self.graph)
        self.training = bool(mode)
        return self

    def eval(self) -> "Model":
        return self.train(False)

    def evaluate(self, x, y, topk=(1, 5), batch_size: int = 256) -> dict:
        """Top-k and per-class accuracy on float32 input or raw uint8 images (see training.evaluate)."""
        from cnnengine.training.evaluate import evaluate

        return evaluate(self, x, y, topk, batch_size)

    # -- files and reports ------------------------------------------------------------------
    def save(self, path) -> None:
        save_graph(self.graph, path)

    def summary(self) -> str:
        """A table of the layers as run (after fusion): op, output shape, parameters, MACs, algorithm."""
        shapes = self._example_shapes()
        rows = [("layer", "op", "output", "params", "MACs", "algorithm")]
        total_params = total_macs = 0
        for node, layer, kernel in self._plan.steps:
            n_params = sum(prod(self._plan_param_shape(node, role)) for role in node.params)
            macs = layer.macs(node, [shapes[t] for t in node.inputs], shapes[node.name]) if shapes else 0
            total_params += n_params
            total_macs += macs
            fused = "+".join(k for k in ("residual", "relu") if node.attrs.get(k))
            op = node.op + (f"+{fused}" if fused else "")
            out = "x".join(map(str, shapes[node.name][1:])) if shapes else "?"
            rows.append((node.name, op, out, f"{n_params:,}", f"{macs:,}", getattr(kernel, "algorithm", "")))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.append(f"{self.name}: {len(self._plan.steps)} layers as run, {total_params:,} parameters, "
                     f"{total_macs:,} MACs per sample" + ("" if shapes else " (free input size)"))
        return "\n".join(lines)

    def _plan_param_shape(self, node, role):
        return get_layer(node.op).param_shapes(node)[role]

    def __repr__(self):
        return f"<cnnengine.Model '{self.name}': {len(self.graph.nodes)} nodes, inputs {self.inputs}>"


SHIPPED_MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def load(path, num_threads: Optional[int] = None) -> Model:
    """Loads a model file (.npz) or a shipped model by name (cnnengine/models/NAME.npz, e.g.
    "fashion-lenet"); an existing file of that name wins."""
    path = os.fspath(path)
    shipped = os.path.join(SHIPPED_MODELS, path + ".npz")
    if not os.path.exists(path) and os.path.basename(path) == path and os.path.isfile(shipped):
        path = shipped
    return Model(load_graph(path), num_threads=num_threads)
