"""Inference passes over a validated graph. They return a new node list and parameter dict and
never modify the graph (Model.save writes the original, unfused network):

  prune        drop nodes that no inference output needs (GoogLeNet's auxiliary classifiers)
  dropout      identity at inference: removed
  fold BN      conv -> batch_norm2d becomes one conv with scaled weights and shifted bias
  residual     conv -> add(., shortcut) [-> relu] becomes conv(residual=shortcut, relu)
  relu         conv/linear/add -> relu becomes the producer with relu=True
  activation   conv -> hard_swish / hard_sigmoid / clip / ... (MobileNet-V3) becomes the conv with
               activation=[kind, alpha, beta], applied in the conv's call while its output is in cache
  squeeze-excitation  x * gate(conv1x1(relu?(conv1x1(global_avg_pool(x))))) (MobileNet-V3), after
               the activation pass, becomes one squeeze_excitation node (one kernel call, not four)
  algorithm    each conv2d gets the algorithm chosen for it (conv_algorithm.py) as attrs["algorithm"]

A fused node takes the name of the last node it replaces, so consumers and outputs keep their
tensor names. Fusion needs the intermediate tensor to have exactly one consumer and not be an output.

Folded weights are computed when the executor asks for them (FoldedBatchNorm), one layer at a time,
so that a model's folded copies never all exist at once next to the originals.
"""
from collections import Counter
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

import numpy as np

from cnnengine import _C
from cnnengine.graph import Graph, Node
from cnnengine.layers import get_layer
from cnnengine.layers.base import int_pair_attr, padding_quad
from cnnengine.layers.pointwise import Activation


def optimize_for_inference(graph: Graph, conv_algorithms: Optional[Dict[str, str]] = None,
                           params: Optional[Dict[str, np.ndarray]] = None
                           ) -> Tuple[List[Node], Dict[str, object], List[str]]:
    """Returns (nodes, params, outputs) ready for the executor; conv_algorithms maps conv2d node
    names of the graph to the algorithm each should run; params: the graph's parameter arrays
    handed over by the caller (Graph.take_params): this call takes the dict over, returns it, and
    folds BatchNorm into their conv weights in place (default: a copy of graph.params' dict, whose
    arrays are left untouched). Values of the returned params are arrays or FoldedBatchNorm halves:
    read them with param_value."""
    nodes = [replace(node, inputs=list(node.inputs), attrs=dict(node.attrs), params=dict(node.params))
             for node in prune(graph.nodes, graph.outputs)]
    for node in nodes:
        if node.op == "conv2d" and conv_algorithms and node.name in conv_algorithms:
            node.attrs["algorithm"] = conv_algorithms[node.name]
    owned = params is not None
    params = dict(graph.params) if params is None else params
    outputs = list(graph.outputs)
    nodes, outputs = remove_dropout(nodes, outputs)
    nodes = fold_batch_norm(nodes, params, outputs, owned)
    nodes = fuse_residual_add(nodes, outputs)
    nodes = fuse_relu(nodes, outputs)
    nodes = fuse_activation(nodes, outputs)
    nodes = fuse_squeeze_excitation(nodes, outputs)
    return nodes, params, outputs


def prune(nodes: List[Node], outputs: List[str]) -> List[Node]:
    needed = set(outputs)
    for node in reversed(nodes):
        if node.name in needed:
            needed.update(node.inputs)
    return [node for node in nodes if node.name in needed]


def single_consumer(nodes: List[Node], tensor: str, outputs: List[str]):
    """The only node reading `tensor`, or None when it has several readers or is an output."""
    if tensor in outputs:
        return None
    readers = [node for node in nodes if tensor in node.inputs]
    return readers[0] if len(readers) == 1 and readers[0].inputs.count(tensor) == 1 else None


def rename_input(nodes: List[Node], old: str, new: str) -> None:
    for node in nodes:
        node.inputs = [new if t == old else t for t in node.inputs]


def remove_dropout(nodes, outputs):
    kept = []
    for node in nodes:
        if node.op == "dropout":
            rename_input(nodes, node.name, node.inputs[0])
            outputs = [node.inputs[0] if o == node.name else o for o in outputs]
        else:
            kept.append(node)
    return kept, outputs


def fold_batch_norm(nodes, params, outputs, owned=False):
    """owned: the arrays are the caller's to change, so a conv weight used by one node only is
    folded in place (no second copy of it ever exists)."""
    by_name = {node.name: node for node in nodes}
    weight_uses = Counter(node.params.get("weight") for node in nodes)
    removed = set()
    for bn in nodes:
        if bn.op != "batch_norm2d":
            continue
        conv = by_name.get(bn.inputs[0])
        if conv is None or conv.op != "conv2d" or conv.attrs.get("relu") or conv.attrs.get("residual") or \
                single_consumer(nodes, conv.name, outputs) is not bn:
            continue
        folding = FoldedBatchNorm(params[conv.params["weight"]], params.get(conv.params.get("bias")),
                                  {role: params[name] for role, name in bn.params.items()},
                                  float(bn.attrs.get("eps", 1e-5)), owned and weight_uses[conv.params["weight"]] == 1)
        folded = f"{conv.params['weight']}+{bn.name}"
        params[folded + ".weight"], params[folded + ".bias"] = folding.half(0), folding.half(1)
        conv.params = {"weight": folded + ".weight", "bias": folded + ".bias"}
        removed.add(bn.name)
        conv.name = bn.name  # the fused node produces the BN's tensor
        by_name[bn.name] = conv
    return [node for node in nodes if not (node.op == "batch_norm2d" and node.name in removed)]


class FoldedBatchNorm:
    """A conv's weight and bias with a BatchNorm folded in, computed on first use; each half
    (0: weight, 1: bias) is a callable that returns its array."""

    def __init__(self, weight, bias, bn_params, eps, in_place):
        self._inputs = (weight, bias, bn_params, eps)
        self._in_place = in_place
        self._result = None

    def half(self, index):
        return lambda: self._compute()[index]

    def _compute(self):
        if self._result is None:
            weight, bias, bn, eps = self._inputs
            self._result = _C.fold_batch_norm(weight, bias, bn["running_mean"], bn["running_var"], bn.get("weight"),
                                              bn.get("bias"), eps, out_weight=weight if self._in_place else None)
            self._inputs = None  # the unfolded arrays are no longer needed here
        return self._result


def param_value(value) -> np.ndarray:
    """An optimized parameter's array (computing a folded one now)."""
    return value() if callable(value) else value


def fuse_residual_add(nodes, outputs):
    position = {node.name: i for i, node in enumerate(nodes)}
    by_name = {node.name: node for node in nodes}
    result = list(nodes)
    for add in nodes:
        if add.op != "add" or add.attrs.get("relu"):
            continue
        # Prefer the branch computed last: the other one is then ready when the fused conv runs.
        for branch, shortcut in sorted(((a, b) for a, b in (add.inputs, add.inputs[::-1])),
                                       key=lambda pair: -position.get(pair[0], -1)):
            conv = by_name.get(branch)
            if conv is not None and conv.op == "conv2d" and not conv.attrs.get("relu") and \
                    not conv.attrs.get("residual") and single_consumer(result, conv.name, outputs) is add:
                conv_index, add_index = result.index(conv), result.index(add)
                conv.inputs = [conv.inputs[0], shortcut]
                conv.attrs["residual"] = True
                conv.name = add.name
                result[add_index] = conv  # runs where the add ran: the shortcut is ready there
                del result[conv_index]
                break
    return result


def fuse_into_producer(nodes, outputs, fits, absorb):
    """Drops each node that absorb(producer, node) folds into its producer when fits(producer,
    node); the producer takes the node's name, and its output must feed only that node."""
    by_name = {node.name: node for node in nodes}
    result = []
    for node in nodes:
        producer = by_name.get(node.inputs[0]) if node.inputs else None
        if producer is not None and fits(producer, node) and single_consumer(nodes, producer.name, outputs) is node:
            absorb(producer, node)
            producer.name = node.name
            by_name[node.name] = producer
            continue
        result.append(node)
    return result


def fuse_relu(nodes, outputs):
    return fuse_into_producer(
        nodes, outputs,
        lambda producer, node: node.op == "relu" and producer.op in ("conv2d", "linear", "add") and
        not producer.attrs.get("relu"),
        lambda producer, node: producer.attrs.update(relu=True))


def fuse_activation(nodes, outputs):
    return fuse_into_producer(
        nodes, outputs,
        lambda producer, node: isinstance(get_layer(node.op), Activation) and producer.op == "conv2d" and
        not producer.attrs.get("relu") and "activation" not in producer.attrs,
        lambda producer, node: producer.attrs.update(activation=list(get_layer(node.op).arguments(node))))


def is_plain_1x1(node):
    """A conv2d node that is a matrix product over channels: 1x1, stride 1, no padding, no
    groups, no residual."""
    return node.op == "conv2d" and int_pair_attr(node, "kernel_size") == (1, 1) and \
        int_pair_attr(node, "stride", (1, 1)) == (1, 1) and int_pair_attr(node, "dilation", (1, 1)) == (1, 1) and \
        node.attrs.get("groups", 1) == 1 and not node.attrs.get("residual") and not any(padding_quad(node))


def fuse_squeeze_excitation(nodes, outputs):
    """binary mul(gate, x) (either order) whose gate is conv2d 1x1 with an activation, of conv2d
    1x1 (ReLU or none), of adaptive_avg_pool2d(x) to 1x1, each feeding only the next: one
    squeeze_excitation node named after the mul, run where the mul ran."""
    by_name = {node.name: node for node in nodes}
    dropped = set()
    fused = {}
    for mul in nodes:
        if mul.op != "binary" or mul.attrs.get("op") != "mul" or len(mul.inputs) != 2:
            continue
        for gate_name, x_name in (mul.inputs, mul.inputs[::-1]):
            expand = by_name.get(gate_name)
            reduce = by_name.get(expand.inputs[0]) if expand is not None and expand.op == "conv2d" else None
            pool = by_name.get(reduce.inputs[0]) if reduce is not None and reduce.op == "conv2d" else None
            if pool is None or pool.op != "adaptive_avg_pool2d" or int_pair_attr(pool, "output_size") != (1, 1) or \
                    pool.inputs[0] != x_name or not is_plain_1x1(reduce) or not is_plain_1x1(expand) or \
                    "activation" in reduce.attrs or "activation" not in expand.attrs or expand.attrs.get("relu") or \
                    reduce.attrs["in_channels"] != expand.attrs["out_channels"]:
                continue
            chain = ((pool, reduce), (reduce, expand), (expand, mul))
            if any(single_consumer(nodes, producer.name, outputs) is not consumer for producer, consumer in chain):
                continue
            params = {"reduce_weight": reduce.params["weight"], "expand_weight": expand.params["weight"]}
            params.update({role: node.params["bias"] for role, node in (("reduce_bias", reduce), ("expand_bias", expand))
                           if "bias" in node.params})
            fused[mul.name] = Node(name=mul.name, op="squeeze_excitation", inputs=[x_name], params=params,
                                   attrs={"channels": reduce.attrs["in_channels"], "hidden": reduce.attrs["out_channels"],
                                          "reduce_relu": bool(reduce.attrs.get("relu")),
                                          "gate": list(expand.attrs["activation"])})
            dropped.update((pool.name, reduce.name, expand.name))
            break
    return [fused.get(node.name, node) for node in nodes if node.name not in dropped]
