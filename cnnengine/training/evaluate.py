"""Accuracy of a classifier: top-k (the seed's top-5) and per class, in batches on the inference
path. Inputs are float32 N x C x H x W, or raw uint8 images (N x H x W grayscale, N x H x W x C)
that the model's stored preprocessing recipe turns into its input."""
from typing import Dict, Sequence

import numpy as np

from cnnengine.errors import InputError


def as_model_input(model, x: np.ndarray) -> np.ndarray:
    """x as the network's float32 batch (uint8 images go through the stored recipe)."""
    if isinstance(x, np.ndarray) and x.dtype == np.float32:
        return x
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim not in (3, 4):
        raise InputError("evaluate takes float32 N x C x H x W or uint8 N x H x W (x C) images, got "
                         f"{getattr(x, 'dtype', type(x).__name__)} of shape {getattr(x, 'shape', None)}")
    from cnnengine import preprocess

    if not model.preprocessing:
        raise InputError(f"model '{model.name}' stores no preprocessing recipe; pass float32 input")
    return preprocess.images_to_batch(list(x), model.preprocessing)


def evaluate(model, x, y, topk: Sequence[int] = (1, 5), batch_size: int = 256) -> Dict:
    """{"top1": ..., "top5": ..., "per_class": {label: accuracy}, "count": N} (fractions in [0, 1]);
    top-k for k above the class count is 1."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(x) or y.dtype.kind not in "iu":
        raise InputError(f"labels must be {len(x)} integers, got {y.dtype} array of shape {y.shape}")
    if batch_size < 1 or not all(isinstance(k, int) and k >= 1 for k in topk):
        raise InputError("batch_size and every k in topk must be positive integers")
    hits = {k: 0 for k in topk}
    top1_by_class: Dict[int, list] = {}
    for start in range(0, len(x), batch_size):
        logits = model.predict(as_model_input(model, x[start:start + batch_size]))
        logits = logits[0] if isinstance(logits, tuple) else logits
        labels = y[start:start + batch_size]
        if labels.max(initial=0) >= logits.shape[1]:
            raise InputError(f"a label is >= the model's {logits.shape[1]} classes")
        order = np.argsort(-logits, axis=1, kind="stable")
        for k in topk:
            hits[k] += int((order[:, :k] == labels[:, None]).any(axis=1).sum())
        for label, correct in zip(labels, order[:, 0] == labels):
            top1_by_class.setdefault(int(label), []).append(bool(correct))
    names = model.labels or [str(i) for i in range(max(top1_by_class) + 1)]
    result = {f"top{k}": hits[k] / len(x) for k in topk}
    result["per_class"] = {names[c]: float(np.mean(v)) for c, v in sorted(top1_by_class.items())}
    result["count"] = len(x)
    return result
