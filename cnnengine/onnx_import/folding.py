"""Constant folding at import: values known before any input arrives (initializers, Constant and
ConstantOfShape nodes, and everything computed only from them), including the shape subgraphs
that exporters emit (Shape -> Gather -> Unsqueeze -> Concat -> Reshape).

Shapes of run-time tensors may hold dimensions that are only known per call (the batch, free
spatial sizes): those entries are Dim objects inside numpy object arrays, and only the data
movement ops below may touch them. Any arithmetic on a Dim is an UnsupportedOnnx error.
Numeric constants of every other op are folded with the onnx package's reference evaluator."""
import numpy as np


class Dim:
    """A dimension known only at run time (the batch, or a free spatial size)."""

    def __init__(self, label):
        self.label = label

    def __repr__(self):
        return self.label


BATCH = Dim("N")


class UnsupportedOnnx(Exception):
    """Raised inside a handler; the importer adds the node's type, name and index."""


def has_dims(value: np.ndarray) -> bool:
    return value.dtype == object and any(isinstance(v, Dim) for v in value.flat)


def ints(value: np.ndarray, what: str):
    """A constant as a list of Python ints (UnsupportedOnnx when it holds a run-time Dim)."""
    if has_dims(value):
        raise UnsupportedOnnx(f"{what} depends on a run-time dimension ({value.tolist()})")
    return [int(v) for v in np.asarray(value).reshape(-1)]


def _axes(node_attrs, inputs, index):
    """Axes from input `index` (newer opsets) or the 'axes' attribute (older ones)."""
    if len(inputs) > index and inputs[index] is not None:
        return ints(inputs[index], "axes")
    return list(node_attrs.get("axes", []))


def _normalize(axes, rank):
    return sorted(a + rank if a < 0 else a for a in axes)


def _slice(data, starts, ends, axes, steps):
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[axis] = slice(start, end, step)  # Python slicing clamps exactly as ONNX Slice does
    return data[tuple(index)]


def fold_shape_op(op, attrs, inputs, opset):
    """Folds the data movement ops that may carry Dims; None when `op` is not one of them."""
    result = _fold_shape_op(op, attrs, inputs, opset)
    if result is None or isinstance(result, np.ndarray):
        return result
    return np.array(result, dtype=object)  # numpy hands back a bare Dim for a scalar index


def _fold_shape_op(op, attrs, inputs, opset):
    if op in ("Identity", "Cast") and inputs[0].dtype == object:
        return inputs[0]
    if op == "Gather":
        return np.take(inputs[0], inputs[1].astype(np.int64), axis=attrs.get("axis", 0))
    if op == "Concat":
        return np.concatenate([np.asarray(v, dtype=object) if any(i.dtype == object for i in inputs) else v
                               for v in inputs], axis=attrs["axis"])
    if op == "Unsqueeze":
        axes = _axes(attrs, inputs, 1)
        result = inputs[0]
        for axis in _normalize(axes, inputs[0].ndim + len(axes)):
            result = np.expand_dims(result, axis)
        return result
    if op == "Squeeze":
        axes = _axes(attrs, inputs, 1)
        return np.squeeze(inputs[0], axis=tuple(_normalize(axes, inputs[0].ndim))) if axes else np.squeeze(inputs[0])
    if op == "Slice":
        if opset < 10:
            starts, ends = attrs["starts"], attrs["ends"]
            axes = attrs.get("axes", list(range(len(starts))))
            steps = [1] * len(starts)
        else:
            starts, ends = ints(inputs[1], "Slice starts"), ints(inputs[2], "Slice ends")
            axes = ints(inputs[3], "Slice axes") if len(inputs) > 3 and inputs[3] is not None else list(range(len(starts)))
            steps = ints(inputs[4], "Slice steps") if len(inputs) > 4 and inputs[4] is not None else [1] * len(starts)
        return _slice(inputs[0], starts, ends, axes, steps)
    if op == "Reshape" and inputs[0].dtype == object:
        return inputs[0].reshape(ints(inputs[1], "Reshape shape"))
    return None


def fold_numeric(node, inputs):
    """Evaluates one node on numeric constants with onnx's reference implementation."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    for value in inputs:
        if value is not None and has_dims(value):
            raise UnsupportedOnnx(f"{node.op_type} on a run-time shape {value.tolist()} cannot be folded")
    names = [f"in{i}" if value is not None else "" for i, value in enumerate(inputs)]
    feeds = {name: np.asarray(value.astype(np.int64) if value.dtype == object else value)
             for name, value in zip(names, inputs) if name}
    single = helper.make_node(node.op_type, names, [f"out{i}" for i in range(len(node.output))], domain=node.domain)
    single.attribute.extend(node.attribute)
    try:
        results = ReferenceEvaluator(single).run(None, feeds)
    except Exception as error:  # the reference evaluator raises many types; all mean "cannot fold"
        raise UnsupportedOnnx(f"constant folding failed: {type(error).__name__}: {error}") from None
    return [np.asarray(r) for r in results]
