"""Layer registry: op name -> Layer. One module per layer family registers its layers here."""
from typing import Dict

from cnnengine.errors import GraphError
from cnnengine.layers.base import Layer

_REGISTRY: Dict[str, Layer] = {}


def register(layer_class):
    """Class decorator: makes the layer available under its `op` name."""
    layer = layer_class()
    if layer.op in _REGISTRY:
        raise RuntimeError(f"layer op '{layer.op}' registered twice")
    _REGISTRY[layer.op] = layer
    return layer_class


def get_layer(op: str) -> Layer:
    try:
        return _REGISTRY[op]
    except KeyError:
        raise GraphError(f"unknown layer type '{op}' (known: {', '.join(sorted(_REGISTRY))})") from None


# The families register themselves on import.
from cnnengine.layers import activation, conv, dense, normalization, pointwise, pool, squeeze_excitation, structured, tensor  # noqa: E402,F401,E501
