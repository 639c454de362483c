"""One worker's share of a batch job: image paths in, one Arrow table of result rows out.

Each image is decoded and preprocessed on its own with the model's stored recipe, so an
undecodable or missing file becomes a failed row (its `error` says why) instead of ending the
job; the images that decoded run through Model.predict together, one call per distinct
preprocessed shape (a recipe without a crop keeps each image's own size).

Result columns (schema() gives the exact types):
    path, index             the image and its position in the input (index null for Dataset sources)
    error                   null on success, else the reason
    classes, labels, probabilities   the top-k classes, best first (when top > 0)
    embedding               the penultimate layer's output, flattened (when embeddings)
    output                  the network's raw output, flattened (when raw)
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from cnnengine import _C
from cnnengine.errors import CnnEngineError, InputError
from cnnengine.graph import Graph
from cnnengine.model import Model
from cnnengine.preprocess import check_recipe, load_image, preprocess_image


@dataclass(frozen=True)
class Outputs:
    """What a job writes per image."""
    top: int = 5
    embeddings: bool = False
    raw: bool = False

    def __post_init__(self):
        if isinstance(self.top, bool) or not isinstance(self.top, int) or self.top < 0:
            raise InputError(f"top must be an int >= 0, got {self.top!r}")
        if not (self.top or self.embeddings or self.raw):
            raise InputError("nothing to write: give top > 0, embeddings=True or raw=True")

    def schema(self):
        import pyarrow as pa

        fields = [("path", pa.string()), ("index", pa.int64()), ("error", pa.string())]
        if self.top:
            fields += [("classes", pa.list_(pa.int32())), ("labels", pa.list_(pa.string())),
                       ("probabilities", pa.list_(pa.float32()))]
        if self.embeddings:
            fields.append(("embedding", pa.list_(pa.float32())))
        if self.raw:
            fields.append(("output", pa.list_(pa.float32())))
        return pa.schema(fields)


def prediction_graph(graph: Graph, outputs: Outputs) -> Graph:
    """The graph computing exactly what `outputs` asks for, in one pass: the logits (first output)
    for top-k or raw outputs, plus the penultimate tensor for embeddings."""
    names = [graph.outputs[0]] if outputs.top or outputs.raw else []
    if outputs.embeddings:
        names.append(graph.penultimate_tensor())
    return graph.with_outputs(names)


def image_recipe(graph: Graph) -> dict:
    """The model's checked preprocessing recipe: images from files cannot run without one."""
    recipe = graph.metadata.get("preprocessing")
    if not recipe:
        raise InputError(f"model '{graph.metadata.get('name', graph.name)}' stores no preprocessing recipe: "
                         "batch inference over image files needs one (see docs/model-format.md)")
    return check_recipe(recipe)


class BatchPredictor:
    """Callable on (paths, indices) -> pyarrow.Table. Thread-safe: Model.predict may run concurrently."""

    def __init__(self, graph: Graph, outputs: Outputs):
        self.outputs = outputs
        self.schema = outputs.schema()
        graph = prediction_graph(graph, outputs)
        self.recipe = image_recipe(graph)
        self.model = Model(graph)  # engine threads: set process-wide by the runner (local job, Ray actor)
        self.labels = graph.metadata.get("labels")

    def __call__(self, paths: Sequence[str], indices: Sequence[Optional[int]]):
        import pyarrow as pa

        rows = {"path": list(paths), "index": list(indices), "error": [None] * len(paths)}
        per_image: Dict[str, List] = {name: [None] * len(paths) for name in self.schema.names[3:]}
        groups: Dict[tuple, List[int]] = {}
        arrays = {}
        for i, path in enumerate(paths):
            try:
                arrays[i] = preprocess_image(load_image(path), self.recipe, path)
            except Exception as error:  # one bad file must not end a million-image job: record why, go on
                rows["error"][i] = _reason(error)
                continue
            groups.setdefault(arrays[i].shape, []).append(i)
        for members in groups.values():
            try:
                results = self._predict(np.stack([arrays[i] for i in members]))
            except CnnEngineError as error:  # e.g. an image too small for the network
                for i in members:
                    rows["error"][i] = _reason(error)
                continue
            for name, values in results.items():
                for i, value in zip(members, values):
                    per_image[name][i] = value
        rows.update(per_image)
        return pa.Table.from_pydict(rows, schema=self.schema)

    def _predict(self, batch: np.ndarray) -> Dict[str, list]:
        """Per-image values of each result column for one preprocessed batch."""
        results = self.model.predict(batch)
        results = list(results) if isinstance(results, tuple) else [results]
        columns = {}
        if self.outputs.top or self.outputs.raw:
            logits = results.pop(0)
            if self.outputs.raw:
                columns["output"] = list(logits.reshape(len(logits), -1))
            if self.outputs.top:
                columns.update(self._top_k(logits))
        if self.outputs.embeddings:
            columns["embedding"] = list(results.pop(0).reshape(len(batch), -1))
        return columns

    def _top_k(self, logits: np.ndarray) -> Dict[str, list]:
        if logits.ndim != 2:
            raise InputError(f"top-k needs N x classes logits; the network produced shape {logits.shape}")
        probabilities = _C.softmax(np.ascontiguousarray(logits), 1)
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :self.outputs.top]
        labels = self.labels or [str(c) for c in range(logits.shape[1])]
        if len(labels) != logits.shape[1]:
            raise InputError(f"model has {len(labels)} labels but {logits.shape[1]} outputs")
        return {"classes": list(order.astype(np.int32)),
                "labels": [[labels[c] for c in row] for row in order],
                "probabilities": list(np.take_along_axis(probabilities, order, axis=1))}


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, CnnEngineError) else f"{type(error).__name__}: {error}"
