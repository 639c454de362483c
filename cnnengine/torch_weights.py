"""PyTorch state_dicts -> cnnengine parameters. Graph parameters carry PyTorch's state_dict names
("layer1.0.conv1.weight"), so a torchvision state_dict (weights=... or random init) loads by name:

    tv = torchvision.models.resnet50(weights="IMAGENET1K_V2").eval()
    graph = graph_with_torch_weights(cnnengine.zoo.build_graph("resnet50"), tv.state_dict())
    model = cnnengine.Model(graph)

This module does not import torch: values may be torch tensors (on any device, any float dtype)
or anything numpy can convert.
"""
import copy
from typing import Dict, Mapping

import numpy as np

from cnnengine.graph import Graph

# BatchNorm's step counter: training bookkeeping, not a parameter of the network.
DROPPED_SUFFIXES = ("num_batches_tracked",)


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor; .float() also converts half and bfloat16
        value = value.detach().cpu().float().numpy()
    return np.array(value, dtype=np.float32, order="C", copy=True)


def state_dict_to_params(state_dict: Mapping) -> Dict[str, np.ndarray]:
    """name -> float32 C-contiguous numpy copy, without BatchNorm's num_batches_tracked."""
    return {name: _to_numpy(value) for name, value in state_dict.items()
            if name.rsplit(".", 1)[-1] not in DROPPED_SUFFIXES}


def graph_with_torch_weights(graph: Graph, state_dict: Mapping) -> Graph:
    """A new Graph: `graph`'s structure and metadata with the state_dict's parameters. Validated,
    so every missing, unexpected or wrongly shaped name is reported in one GraphError."""
    result = Graph(graph.name, copy.deepcopy(graph.inputs), copy.deepcopy(graph.nodes), list(graph.outputs),
                   state_dict_to_params(state_dict), copy.deepcopy(graph.metadata), list(graph.training_outputs))
    result.validate()
    return result
