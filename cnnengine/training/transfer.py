"""Transfer learning: freeze parameters (by name, by prefix, or every layer up to a named one),
and replace the classifier head with one for n new classes. Frozen parameters get no gradient
and no update; a BatchNorm whose parameters are all frozen stays in eval mode, so its running
statistics do not change either."""
import copy
from typing import Iterable, Optional, Sequence

import numpy as np

from cnnengine.errors import GraphError
from cnnengine.graph import Graph


def freeze(model, names: Iterable[str] = (), prefixes: Iterable[str] = (), up_to: Optional[str] = None) -> list:
    """Freezes the named parameters, those starting with a prefix ("layer1." or "features"), and
    with up_to every parameter of the nodes up to and including node `up_to`. Returns the names
    frozen now (a GraphError names anything that matches nothing)."""
    params = model.graph.params
    chosen = set()
    for name in names:
        if name not in params:
            raise GraphError(f"freeze: no parameter named '{name}'")
        chosen.add(name)
    for prefix in prefixes:
        matched = {name for name in params if name.startswith(prefix)}
        if not matched:
            raise GraphError(f"freeze: no parameter starts with '{prefix}'")
        chosen |= matched
    if up_to is not None:
        node_names = [node.name for node in model.graph.nodes]
        if up_to not in node_names:
            raise GraphError(f"freeze: no node named '{up_to}'")
        for node in model.graph.nodes[:node_names.index(up_to) + 1]:
            chosen |= set(node.params.values())
    model.trainer.frozen |= chosen
    return sorted(chosen)


def unfreeze(model, prefixes: Iterable[str] = ("",)) -> None:
    """Unfreezes the parameters starting with any of the prefixes (default: all)."""
    model.trainer.frozen -= {name for name in model.trainer.frozen if any(name.startswith(p) for p in prefixes)}


def head_nodes(graph) -> list:
    """The nodes that produce the graph's outputs (training outputs included)."""
    return [node for node in graph.nodes if node.name in graph.outputs + graph.training_outputs]


def freeze_all_but_head(model) -> list:
    """Freezes every parameter except those of the output layers."""
    heads = {node.name for node in head_nodes(model.graph)}
    return freeze(model, names=[p for n in model.graph.nodes if n.name not in heads for p in n.params.values()])


def replace_head(model, num_classes: int, labels: Optional[Sequence[str]] = None, seed: int = 0):
    """A new Model whose classifier layers (the linear nodes producing the outputs, auxiliary
    ones included) have `num_classes` outputs, freshly initialised as PyTorch does; the other
    weight arrays are shared with `model`, its frozen set carries over, and `labels` become the
    model's labels."""
    from cnnengine.model import Model

    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"replace_head: num_classes must be a positive int, got {num_classes!r}")
    if labels is not None and len(labels) != num_classes:
        raise ValueError(f"replace_head: {len(labels)} labels for {num_classes} classes")
    old = model.graph
    graph = Graph(old.name, copy.deepcopy(old.inputs), copy.deepcopy(old.nodes), list(old.outputs), dict(old.params),
                  copy.deepcopy(old.metadata), list(old.training_outputs))
    heads = head_nodes(graph)
    if not heads or any(node.op != "linear" for node in heads):
        raise GraphError("replace_head: the model's outputs must come straight from linear layers")
    rng = np.random.default_rng(seed)
    for node in heads:
        fan_in = node.attrs["in_features"]
        bound = 1.0 / np.sqrt(fan_in)  # torch.nn.Linear's default init
        node.attrs["out_features"] = num_classes
        graph.params[node.params["weight"]] = rng.uniform(-bound, bound, (num_classes, fan_in)).astype(np.float32)
        if "bias" in node.params:
            graph.params[node.params["bias"]] = rng.uniform(-bound, bound, num_classes).astype(np.float32)
    if labels is not None:
        graph.metadata["labels"] = [str(label) for label in labels]
    else:
        graph.metadata.pop("labels", None)
    graph.validate()
    replaced = {name for node in heads for name in node.params.values()}
    new_model = Model(graph, num_threads=model.num_threads)
    new_model.trainer.frozen |= model.trainer.frozen - replaced
    return new_model
