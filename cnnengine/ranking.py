"""Top-k classes from logits: softmax per row, labels attached, best first (ties keep class order)."""
from typing import List, Optional, Sequence, Tuple

import numpy as np

from cnnengine import _C
from cnnengine.errors import InputError


def top_k(logits: np.ndarray, labels: Optional[Sequence[str]], top: int) -> List[List[Tuple[str, float]]]:
    """[[(label, probability), ...] per row of N x classes logits]."""
    if logits.ndim != 2:
        raise InputError(f"classification needs N x classes outputs, the network produced shape {logits.shape}")
    probabilities = _C.softmax(np.ascontiguousarray(logits, dtype=np.float32), 1)
    classes = probabilities.shape[1]
    labels = list(labels) if labels else [str(i) for i in range(classes)]
    if len(labels) != classes:
        raise InputError(f"model has {len(labels)} labels but {classes} outputs")
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :max(1, int(top))]
    return [[(labels[i], float(row[i])) for i in best] for row, best in zip(probabilities, order)]
