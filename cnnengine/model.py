"""Model: the user-facing object. Loads a graph, prepares its inference plan once (weights
packed, passes applied), and runs predict/classify on arrays or images."""
import os
from dataclasses import replace
from math import prod
from typing import Dict, List, Optional, Tuple

import numpy as np

from cnnengine import conv_algorithm
from cnnengine.errors import GraphError, InputError
from cnnengine.executor import Plan
from cnnengine.graph import Graph
from cnnengine.layers import get_layer
from cnnengine.model_format import load_graph, save_graph
from cnnengine.ranking import top_k
from cnnengine.runtime import calling_thread_num_threads, check_num_threads


class Model:
    """A prepared network. Thread-safe: predict never changes the model (per-call memory comes
    from each call), so one Model may serve many threads at once."""

    def __init__(self, graph: Graph, num_threads: Optional[int] = None, algo: conv_algorithm.Policy = None):
        """algo: how each conv2d's algorithm is chosen (see cnnengine/conv_algorithm.py): None uses
        the choice stored in the file, else the heuristic table; "auto" times the candidates once
        now; an algorithm name ("gemm", "winograd_f23", "winograd_f43", "winograd_f63") applies to
        every layer it fits; a dict {conv layer name: algorithm} sets single layers."""
        self.graph = graph
        self.num_threads = num_threads
        with calling_thread_num_threads(self._num_threads):
            self._conv_choices = conv_algorithm.choose(graph, algo, self._example_input_shapes())
        self._plan = self._new_plan()
        self.training = False
        self._trainer = None
        shape = graph.inputs[0].shape
        self._expected_input = "N x " + " x ".join("?" if d is None else str(d) for d in shape) + " float32"

    @property
    def num_threads(self) -> Optional[int]:
        """Threads this model's calls use; None follows cnnengine.set_num_threads."""
        return self._num_threads

    @num_threads.setter
    def num_threads(self, value: Optional[int]) -> None:
        self._num_threads = None if value is None else check_num_threads(value)

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

    @property
    def conv_algorithms(self) -> Dict[str, Tuple[str, str]]:
        """{conv layer name: (algorithm, how it was chosen: "file", "user", "timed" or "heuristic")}."""
        return dict(self._conv_choices)

    def _new_plan(self) -> Plan:
        """The inference plan of the current weights, with the chosen conv algorithms. A graph read
        from a file hands its arrays over and reads them again only when asked (save, training):
        the packed copies are all that stays in memory (docs/memory.md)."""
        return Plan(self.graph, {name: algorithm for name, (algorithm, _) in self._conv_choices.items()},
                    self.graph.take_params())

    def _example_input_shapes(self):
        """Input shapes at batch 1 for the declared input size, or the metadata's canonical size
        when the network accepts any size; None when neither gives a concrete shape."""
        try:
            return self.graph.example_input_shapes(1)
        except GraphError:
            spec, canonical = self.graph.inputs[0], self.graph.metadata.get("input_shape")
            usable = isinstance(canonical, list) and len(canonical) == len(spec.shape) and all(
                isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in canonical)
            return {spec.name: (1,) + tuple(canonical)} if usable else None

    def _example_shapes(self):
        """Every tensor's shape for _example_input_shapes(), or None."""
        inputs = self._example_input_shapes()
        return self._plan.shapes_and_memory(inputs)[0] if inputs else None

    # -- inference ------------------------------------------------------------------------
    def predict(self, x):
        """Raw network outputs for a float32 N x C x H x W array, or for images (a path, a PIL
        image, encoded image bytes, a uint8 H x W x C array, or a list of those) preprocessed by the
        stored recipe. Returns one array, or a tuple when the network has several outputs.

        Input policy: tensors must be float32 (float64 and other dtypes are refused, never silently
        cast); uint8 arrays are images; non-contiguous arrays are copied; batch size (and spatial
        size, for networks with global pooling) may change from call to call; NaN and Inf are not
        checked and propagate through the network as in PyTorch. Safe to call from many threads."""
        batch = self._as_batch(x)
        with calling_thread_num_threads(self._num_threads):
            # In training mode the weights change under the plan: pack them afresh (eval() first is faster).
            plan = self._new_plan() if self.training else self._plan
            outputs = plan.run({self.graph.inputs[0].name: batch})
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def profile(self, x, runs: int = 20, warmup: int = 3) -> List[dict]:
        """Where predict(x) spends its time, per layer as run (after fusion): the median over `runs`
        timed predicts (after `warmup` untimed ones) of each kernel call, timed inside the loop that
        predict runs, with the model's threads. Rows in run order: name, op, algorithm, median_ms,
        share (of the sum of the medians). Inference only: call eval() first in training mode."""
        if self.training:
            raise RuntimeError("profile() times inference; call eval() first")
        if runs < 1 or warmup < 0:
            raise ValueError(f"profile needs runs >= 1 and warmup >= 0, got runs={runs}, warmup={warmup}")
        inputs = {self.graph.inputs[0].name: self._as_batch(x)}
        samples = []
        with calling_thread_num_threads(self._num_threads):
            for run in range(warmup + runs):
                seconds = []
                self._plan.run(inputs, seconds)
                if run >= warmup:
                    samples.append(seconds)
        medians = np.median(np.array(samples), axis=0) * 1e3
        rows = {row["name"]: row for row in self.layers()}
        total = float(medians.sum())
        return [{"name": node.name, "op": rows[node.name]["op"], "algorithm": rows[node.name]["algorithm"],
                 "median_ms": float(ms), "share": float(ms) / total if total > 0 else 0.0}
                for node, ms in zip(self._plan.kernel_nodes(), medians)]

    def classify(self, image, top: int = 5):
        """[(label, probability), ...] for one image (or one-sample array), best first."""
        logits = self.predict(image)
        if isinstance(logits, tuple):
            logits = logits[0]
        if logits.ndim != 2 or logits.shape[0] != 1:
            raise InputError(f"classify takes one image; the network produced outputs of shape {logits.shape}")
        return top_k(logits, self.labels, top)[0]

    def prepare_input(self, x) -> np.ndarray:
        """The float32 N x C x H x W batch that predict(x) would run (images preprocessed, shape
        checked); InputError when x does not fit the model."""
        return self._as_batch(x)

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
                if isinstance(x, np.ndarray):
                    raise InputError(f"input must be {expected} (or images), got {x.dtype} array of shape "
                                     f"{x.shape}; convert it with x.astype(np.float32)")
                raise InputError(f"input must be {expected} (or images), got {type(x).__name__}")
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

            self._trainer = TrainingExecutor(self.graph, conv_choices=self._conv_choices)
        return self._trainer

    def train(self, mode: bool = True) -> "Model":
        """Training mode (mode=True): BatchNorm uses batch statistics, dropout is on, nothing is
        folded or fused. eval() returns to inference and re-prepares the plan with the new weights."""
        if self.training and not mode:
            self._plan = self._new_plan()
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
        """Writes the model file; conv algorithms chosen by timing or by the user are kept in it."""
        kept = {name: algorithm for name, (algorithm, source) in self._conv_choices.items() if source != "heuristic"}
        nodes = [replace(node, attrs={**node.attrs, "algorithm": kept[node.name]}) if node.name in kept else node
                 for node in self.graph.nodes]
        save_graph(Graph(self.graph.name, self.graph.inputs, nodes, self.graph.outputs, self.graph.params,
                         self.graph.metadata, self.graph.training_outputs), path)

    def layers(self) -> List[dict]:
        """The layers as run (after fusion): name, op, output shape per sample (None when the input
        size is free and the metadata gives no canonical one), parameters, MACs per sample, algorithm."""
        shapes = self._example_shapes()
        rows = []
        for node, layer, kernel in self._plan.steps:
            fused = "+".join(k for k in ("residual", "relu") if node.attrs.get(k))
            rows.append({"name": node.name, "op": node.op + (f"+{fused}" if fused else ""),
                         "output": list(shapes[node.name][1:]) if shapes else None,
                         "params": sum(prod(self._plan_param_shape(node, role)) for role in node.params),
                         "macs": layer.macs(node, [shapes[t] for t in node.inputs], shapes[node.name]) if shapes else 0,
                         "algorithm": getattr(kernel, "algorithm", "")})
        return rows

    def describe(self) -> dict:
        """Everything `cnnengine info` shows, as JSON-ready data."""
        layers = self.layers()
        return {"name": self.name, "inputs": self.inputs, "outputs": self.outputs, "labels": self.labels,
                "preprocessing": self.preprocessing, "input_shape": self.graph.metadata.get("input_shape"),
                "layers": layers, "params": sum(row["params"] for row in layers),
                "macs": sum(row["macs"] for row in layers)}

    def summary(self) -> str:
        """A table of the layers as run (after fusion): op, output shape, parameters, MACs, algorithm."""
        layers = self.layers()
        rows = [("layer", "op", "output", "params", "MACs", "algorithm")]
        for row in layers:
            out = "x".join(map(str, row["output"])) if row["output"] else "?"
            rows.append((row["name"], row["op"], out, f"{row['params']:,}", f"{row['macs']:,}", row["algorithm"]))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
        lines.insert(1, "-" * len(lines[0]))
        free = layers and layers[0]["output"] is None
        lines.append(f"{self.name}: {len(layers)} layers as run, {sum(r['params'] for r in layers):,} parameters, "
                     f"{sum(r['macs'] for r in layers):,} MACs per sample" + (" (free input size)" if free else ""))
        return "\n".join(lines)

    def _plan_param_shape(self, node, role):
        return get_layer(node.op).param_shapes(node)[role]

    def __repr__(self):
        return f"<cnnengine.Model '{self.name}': {len(self.graph.nodes)} nodes, inputs {self.inputs}>"


SHIPPED_MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def load(path, num_threads: Optional[int] = None, algo: conv_algorithm.Policy = None) -> Model:
    """Loads a model file (.npz), an ONNX file (.onnx, needs the onnx package), or a shipped model
    by name (cnnengine/models/NAME.npz, e.g. "fashion-lenet"; an existing file of that name wins);
    algo as in Model()."""
    path = os.fspath(path)
    if path.lower().endswith(".onnx"):
        from cnnengine.onnx_import import import_onnx

        return Model(import_onnx(path), num_threads=num_threads, algo=algo)
    shipped = os.path.join(SHIPPED_MODELS, path + ".npz")
    if not os.path.exists(path) and os.path.basename(path) == path and os.path.isfile(shipped):
        path = shipped
    return Model(load_graph(path), num_threads=num_threads, algo=algo)
