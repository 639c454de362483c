"""Per-layer choice of the convolution algorithm (docs/winograd.md).

Every conv2d runs one of: "gemm" (im2col + GEMM, or the plain GEMM of a 1x1 conv), "depthwise_direct",
"direct_wide" (the default for one-group convs with at most 32 taps per output, e.g. a 3-channel stem),
or, for 3x3 stride-1 convs, Winograd "winograd_f23" / "winograd_f43" / "winograd_f63". The choice is
the conv node's "algorithm" attribute when the model file has one; otherwise it comes from
 - the user: Model(..., algo="winograd_f43") for every layer it applies to, or a dict per layer name;
 - timing (algo="auto"): each candidate runs on the layer's own input shape once at prepare time;
 - the heuristic table below (the default), measured on a 2-core Zen3 (benchmarks/bench_winograd.py).
Timed and user choices are written to the file by Model.save, so a later load skips the timing.
"""
import time
from typing import Dict, Optional, Tuple, Union

import numpy as np

from cnnengine import _C
from cnnengine.errors import GraphError
from cnnengine.layers.base import int_pair_attr
from cnnengine.layers.conv import conv_arguments

WINOGRAD = ("winograd_f23", "winograd_f43", "winograd_f63")
# Names a user may ask for; _C.Conv2d also reports the concrete GEMM variant (gemm_1x1 / gemm_im2col).
ALGORITHMS = ("default", "gemm", "gemm_1x1", "gemm_im2col", "depthwise_direct", "direct_wide") + WINOGRAD

# Below this many channels on either side the Winograd GEMMs are too thin to pay for the transforms.
MIN_WINOGRAD_CHANNELS = 8
TIMING_RUNS = 3

Policy = Union[None, str, Dict[str, str]]


def winograd_applicable(node) -> bool:
    """3x3 kernel, stride 1, dilation 1, one group: the shapes the Winograd kernels take."""
    return (int_pair_attr(node, "kernel_size") == (3, 3) and int_pair_attr(node, "stride", (1, 1)) == (1, 1)
            and int_pair_attr(node, "dilation", (1, 1)) == (1, 1) and node.attrs.get("groups", 1) == 1)


def heuristic(node, input_shape: Optional[Tuple[int, ...]]) -> str:
    """The measured rule (docs/winograd.md): F(4,3) on maps of 12 and more, F(2,3) on 5 to 11, GEMM
    on smaller maps, for thin layers (first layers, Cin = 3) and whenever the map size is unknown.
    F(6,3) wins a few large layers by under 10% and is left to "auto" (its error is 4x F(4,3)'s)."""
    if not winograd_applicable(node) or input_shape is None:
        return "default"
    if min(node.attrs["in_channels"], node.attrs["out_channels"]) < MIN_WINOGRAD_CHANNELS:
        return "default"
    size = min(input_shape[2:])
    if size >= 12:
        return "winograd_f43"
    if size >= 5:
        return "winograd_f23"
    return "default"


def fastest(node, weight: np.ndarray, input_shape: Tuple[int, ...]) -> str:
    """Times every applicable algorithm on a random input of the layer's shape (batch 1, the
    current thread count) and returns the fastest; the best of a few interleaved runs counts."""
    conv_args = conv_arguments(node)
    candidates = {name: _C.Conv2d(weight, None, algorithm=name, **conv_args) for name in ("gemm",) + WINOGRAD}
    x = np.random.default_rng(0).standard_normal((1,) + tuple(input_shape[1:]), dtype=np.float32)
    best = {name: float("inf") for name in candidates}
    for conv in candidates.values():  # warm-up: first-touch of scratch memory
        conv.forward(x)
    for _ in range(TIMING_RUNS):
        for name, conv in candidates.items():
            start = time.perf_counter()
            conv.forward(x)
            best[name] = min(best[name], time.perf_counter() - start)
    return min(best, key=best.get)


def choose(graph, policy: Policy, input_shapes: Optional[Dict[str, Tuple[int, ...]]]) -> Dict[str, Tuple[str, str]]:
    """{conv node name: (algorithm, source)} with source "file", "user", "timed" or "heuristic"."""
    if isinstance(policy, str) and policy != "auto" and policy not in ALGORITHMS:
        raise ValueError(f"algo must be None, 'auto', one of {', '.join(ALGORITHMS)} or a dict, got {policy!r}")
    per_layer = policy if isinstance(policy, dict) else {}
    convs = {node.name: node for node in graph.nodes if node.op == "conv2d"}
    for name, algorithm in per_layer.items():
        if name not in convs:
            raise ValueError(f"algo names layer '{name}', which is not a conv2d of this model")
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algo for layer '{name}' must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
    try:
        shapes = graph.infer_shapes(input_shapes) if input_shapes else None
    except GraphError:  # the example size does not fit the network: choose without map sizes
        shapes = None
    choices = {}
    for name, node in convs.items():
        input_shape = shapes[node.inputs[0]] if shapes else None
        if name in per_layer:
            choices[name] = (per_layer[name], "user")
        elif isinstance(policy, str) and policy not in ("auto",):
            applies = policy not in WINOGRAD or winograd_applicable(node)
            choices[name] = (policy if applies else "default", "user")
        elif "algorithm" in node.attrs:
            choices[name] = (node.attrs["algorithm"], "file")
        elif policy == "auto" and input_shape is not None and winograd_applicable(node):
            choices[name] = (fastest(node, graph.params[node.params["weight"]], input_shape), "timed")
        else:
            choices[name] = (heuristic(node, input_shape), "heuristic")
    return choices

