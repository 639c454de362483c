"""PyTorch -> cnnengine conversion.

    model = from_torch(torch_module, example_shape=(3, 224, 224))
    model = convert_torchvision("resnet18", weights="IMAGENET1K_V1")   # the download needs internet

from_torch takes one of two routes:
  zoo    the module is a torchvision network the model zoo also builds (ResNet by block type and
         depth, VGG by its `features` layout, AlexNet, GoogLeNet): the zoo graph is built with the
         module's number of classes and its state_dict loaded by name;
  fx     otherwise the module is traced with torch.fx and converted node by node (convert_fx.py),
         provided it is made of supported layers (convert_fx.SUPPORTED); anything else raises
         GraphError naming the module path and type (or the function).
Either way the parameters keep the module's state_dict names, and with verify=True both networks
run on one random input and the largest difference is printed and checked.

Conversion needs torch (and torchvision for the zoo route and convert_torchvision); cnnengine itself
does not.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from cnnengine import preprocess
from cnnengine.convert_fx import FxConverter, batched_shape, conv_attrs
from cnnengine.errors import GraphError
from cnnengine.graph import Graph, InputSpec, Node
from cnnengine.imagenet_labels import imagenet_categories
from cnnengine.layers.base import int_pair_attr, padding_quad
from cnnengine.model import Model

VERIFY_TOLERANCE = 1e-3  # relative to the largest |output| of the PyTorch module


class ConversionError(GraphError):
    """The converted model does not reproduce the PyTorch module's outputs."""


# -- public API ---------------------------------------------------------------------------------
def from_torch(module: nn.Module, example_shape: Optional[Sequence[int]] = None, name: Optional[str] = None,
               labels: Optional[Sequence[str]] = None, preprocessing: Optional[dict] = None,
               verify: bool = True) -> Model:
    """A cnnengine Model computing what `module` computes in eval mode.

    example_shape: the input shape, per sample (C, H, W) or with the batch (N, C, H, W); (F,) or
    (N, F) for networks that start with a Linear layer. Needed by the fx route when the first layer
    does not tell it (default (C, 224, 224) after a Conv2d); the zoo route defaults to 3 x 224 x 224.
    labels / preprocessing: class names and image recipe (see cnnengine.preprocess) stored in the
    model; torchvision ImageNet classifiers (1000 outputs) get ImageNet's by default.
    verify: run both on a random input of the example shape, print the largest difference and raise
    ConversionError when it exceeds 1e-3 x the largest |output|.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"from_torch needs a torch.nn.Module, got {type(module).__name__}")
    was_training = module.training
    module.eval()
    try:
        graph, zoo_name = _zoo_graph(module)
        if graph is not None:
            graph = _with_input_shape(graph, example_shape)
        else:
            graph = FxConverter(module, example_shape).convert()
        graph.metadata.update(_metadata(module, graph, name or zoo_name or type(module).__name__.lower(),
                                        labels, preprocessing, "zoo" if zoo_name else "fx"))
        graph.validate()
        model = Model(graph)
        if verify:
            verify_against_torch(module, model, _full_shape(graph, example_shape))
    finally:
        module.train(was_training)
    return model


def convert_torchvision(arch: str, weights: Optional[str] = None, num_classes: int = 1000,
                        verify: bool = True) -> Model:
    """torchvision.models.<arch>(weights=...) converted by from_torch. `weights` names one of the
    architecture's weight sets ("IMAGENET1K_V1", "DEFAULT", ...): torchvision downloads it (this needs
    internet), and its class names and preprocessing go into the model. weights=None: random init."""
    import torchvision

    try:
        builder = torchvision.models.get_model_builder(arch)
    except ValueError:
        known = ", ".join(torchvision.models.list_models(module=torchvision.models))
        raise GraphError(f"unknown torchvision classification model '{arch}' (known: {known})") from None
    labels = recipe = None
    if weights is None:
        kwargs = {"init_weights": True} if arch in ("googlenet", "inception_v3") else {}
        module = builder(weights=None, num_classes=num_classes, **kwargs)
    else:
        weight_set = torchvision_weights(arch, weights)
        labels = list(weight_set.meta["categories"])
        if num_classes != len(labels):
            raise GraphError(f"weights {arch}.{weight_set.name} have {len(labels)} classes, not {num_classes}")
        recipe = recipe_from_weights(weight_set)
        module = builder(weights=weight_set)
    return from_torch(module, name=arch, labels=labels, preprocessing=recipe, verify=verify)


def torchvision_weights(arch: str, weights: str):
    """The torchvision weights enum member `weights` ("IMAGENET1K_V1", "DEFAULT") of `arch`."""
    import torchvision

    choices = torchvision.models.get_model_weights(arch)
    try:
        return choices[weights]
    except KeyError:
        raise GraphError(f"{arch} has no weights '{weights}' (available: "
                         f"{', '.join(['DEFAULT'] + [w.name for w in choices])})") from None


def recipe_from_weights(weight_set) -> dict:
    """The preprocessing recipe of torchvision weights (their ImageClassification transform)."""
    transform = weight_set.transforms()
    resize, crop = list(transform.resize_size), list(transform.crop_size)
    return {"mode": "RGB", "resize": resize[0] if len(resize) == 1 else resize,
            "crop": crop[0] if len(crop) == 1 else crop, "mean": [float(v) for v in transform.mean],
            "std": [float(v) for v in transform.std], "scale": 1 / 255, "interpolation": transform.interpolation.value}


def verify_against_torch(module: nn.Module, model: Model, shape: Sequence[int], seed: int = 0) -> float:
    """Runs both on one random input; prints and returns max |difference|, raises ConversionError
    when it exceeds VERIFY_TOLERANCE x max |output|."""
    x = np.random.default_rng(seed).standard_normal(tuple(shape)).astype(np.float32)
    with torch.no_grad():
        expected = _tensors(module(torch.from_numpy(x.copy())))
    got = model.predict(x)
    got = list(got) if isinstance(got, tuple) else [got]
    if len(got) != len(expected):
        raise ConversionError(f"the module returns {len(expected)} output(s), the converted model {len(got)}")
    delta = scale = 0.0
    for mine, theirs in zip(got, expected):
        if mine.shape != theirs.shape:
            raise ConversionError(f"output shape {mine.shape} differs from PyTorch's {theirs.shape}")
        delta = max(delta, float(np.max(np.abs(mine - theirs))))
        scale = max(scale, float(np.max(np.abs(theirs))))
    print(f"max |Δ| = {delta:.3g} (max |logit| = {scale:.3g})")
    tolerance = VERIFY_TOLERANCE * scale if scale > 0 else 1e-6
    if not delta <= tolerance:  # NaN fails too
        raise ConversionError(f"converted model differs from PyTorch by {delta:.3g} (tolerance {tolerance:.3g}, "
                              f"max |output| {scale:.3g}) on a random {tuple(shape)} input")
    return delta


def _tensors(value) -> List[np.ndarray]:
    if isinstance(value, torch.Tensor):
        return [value.detach().float().numpy()]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    raise ConversionError(f"the module returned {type(value).__name__}, not tensors")


# -- metadata and shapes --------------------------------------------------------------------------
def _metadata(module, graph: Graph, name: str, labels, recipe, route: str) -> Dict:
    meta = {"name": name, "source": {"framework": f"torch {torch.__version__}", "route": route,
                                     "class": f"{type(module).__module__}.{type(module).__qualname__}"}}
    outputs = _output_features(graph)
    if type(module).__module__.startswith("torchvision.models") and outputs == 1000:
        labels = imagenet_categories() if labels is None else labels
        recipe = dict(preprocess.IMAGENET_RECIPE) if recipe is None else recipe
    if labels is not None:
        labels = [str(label) for label in labels]
        if outputs is not None and len(labels) != outputs:
            raise GraphError(f"{len(labels)} labels given for a network with {outputs} outputs")
        meta["labels"] = labels
    if recipe is not None:
        recipe = preprocess.check_recipe(recipe)
        channels = graph.inputs[0].shape[0]
        if preprocess.MODES[recipe["mode"]] != channels:
            raise GraphError(f"preprocessing mode {recipe['mode']} gives {preprocess.MODES[recipe['mode']]} "
                             f"channel(s); the network takes {channels}")
        meta["preprocessing"] = recipe
    return meta


def _output_features(graph: Graph) -> Optional[int]:
    """Features of the first output for a per-sample-shaped input, when that output is N x F."""
    try:
        shapes = graph.infer_shapes(_example_inputs(graph))
    except GraphError:
        return None
    shape = shapes[graph.outputs[0]]
    return shape[1] if len(shape) == 2 else None


def _example_inputs(graph: Graph):
    """Batch-1 input shape; free sizes take the canonical size of the metadata (else 224)."""
    spec = graph.inputs[0]
    canonical = graph.metadata.get("input_shape") or [None] * len(spec.shape)
    if len(canonical) != len(spec.shape):
        canonical = [None] * len(spec.shape)
    shape = tuple(d if d is not None else c or 224 for d, c in zip(spec.shape, canonical))
    return {spec.name: (1,) + shape}


def _full_shape(graph: Graph, example_shape) -> tuple:
    if example_shape is not None:
        return batched_shape(example_shape)
    return _example_inputs(graph)[graph.inputs[0].name]


def _with_input_shape(graph: Graph, example_shape) -> Graph:
    """The zoo graph with its input fixed to example_shape where that differs from its declaration."""
    if example_shape is None:
        return graph
    shape = batched_shape(example_shape)[1:]
    spec = graph.inputs[0]
    if len(shape) != len(spec.shape) or any(d is not None and d != s for d, s in zip(spec.shape, shape)):
        graph.inputs = [InputSpec(spec.name, shape)]
    graph.infer_shapes({spec.name: (1,) + shape})  # GraphError when the network cannot take it
    return graph


# -- zoo route ------------------------------------------------------------------------------------
def zoo_name_of(module: nn.Module) -> Optional[str]:
    """The zoo architecture a torchvision module's class and structure name, if any."""
    kind = type(module).__name__
    if kind == "ResNet":
        depth = {("BasicBlock", (2, 2, 2, 2)): 18, ("BasicBlock", (3, 4, 6, 3)): 34,
                 ("Bottleneck", (3, 4, 6, 3)): 50, ("Bottleneck", (3, 4, 23, 3)): 101,
                 ("Bottleneck", (3, 8, 36, 3)): 152}.get(
            (type(module.layer1[0]).__name__, tuple(len(getattr(module, f"layer{i}")) for i in range(1, 5))))
        return f"resnet{depth}" if depth else None
    if kind == "VGG":
        from torchvision.models.vgg import cfgs

        layout = [m.out_channels if isinstance(m, nn.Conv2d) else "M" for m in module.features
                  if isinstance(m, (nn.Conv2d, nn.MaxPool2d))]
        batch_norm = "_bn" if any(isinstance(m, nn.BatchNorm2d) for m in module.features) else ""
        depths = {"A": 11, "B": 13, "D": 16, "E": 19}
        return next((f"vgg{depths[key]}{batch_norm}" for key, cfg in cfgs.items() if cfg == layout), None)
    if kind in ("AlexNet", "GoogLeNet"):
        return kind.lower()
    return None


def _zoo_graph(module: nn.Module):
    """(zoo graph with the module's weights, zoo name), or (None, None) when the module is no zoo
    architecture (or differs from it in a parameter shape or a convolution's geometry: the fx route
    takes it then)."""
    name = zoo_name_of(module) if type(module).__module__.startswith("torchvision.models") else None
    if name is None:
        return None, None
    from cnnengine import zoo

    if name not in zoo.names():
        return None, None
    from cnnengine.torch_weights import graph_with_torch_weights

    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    graph = zoo.build_graph(name, num_classes=linears[-1].out_features)
    state = {k: v for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}
    graph = _drop_unused_branches(graph, set(state))
    expected = graph.expected_param_shapes()
    if expected != {k: tuple(v.shape) for k, v in state.items()} or not _same_convolutions(graph, module):
        return None, None
    graph = graph_with_torch_weights(graph, module.state_dict())
    if getattr(module, "transform_input", False):
        graph = _with_transform_input(graph)
    return graph, name


def _drop_unused_branches(graph: Graph, available: set) -> Graph:
    """Without the nodes (GoogLeNet's auxiliary classifiers) whose parameters the state_dict lacks,
    when the inference outputs do not need them."""
    needed = set(graph.outputs)
    for node in reversed(graph.nodes):
        if node.name in needed:
            needed.update(node.inputs)
    missing = {node.name for node in graph.nodes if set(node.params.values()) - available}
    if not missing or missing & needed:
        return graph
    nodes = [node for node in graph.nodes if node.name in needed]
    used = {p for node in nodes for p in node.params.values()}
    return Graph(graph.name, graph.inputs, nodes, graph.outputs, {k: v for k, v in graph.params.items() if k in used},
                 graph.metadata, [])


def _same_convolutions(graph: Graph, module: nn.Module) -> bool:
    """Every zoo convolution has the geometry (stride, padding, dilation, groups) of its module."""
    for node in graph.nodes:
        if node.op != "conv2d":
            continue
        path = node.params["weight"].rsplit(".", 1)[0]
        mine = Node(path, "conv2d", [], conv_attrs(module.get_submodule(path)))
        if _conv_geometry(node) != _conv_geometry(mine):
            return False
    return True


def _conv_geometry(node: Node):
    return (int_pair_attr(node, "kernel_size"), int_pair_attr(node, "stride", (1, 1)),
            int_pair_attr(node, "dilation", (1, 1)), padding_quad(node), node.attrs.get("groups", 1))


def _with_transform_input(graph: Graph) -> Graph:
    """GoogLeNet(transform_input=True) re-normalises its ImageNet-normalised input to mean 0.5 and
    std 0.5 per channel: an exact per-channel affine map, run here as a batch_norm2d node with
    mean 0, variance 1 and eps 0 in front of the network."""
    mean, std = np.array(preprocess.IMAGENET_RECIPE["mean"]), np.array(preprocess.IMAGENET_RECIPE["std"])
    source, name = graph.inputs[0].name, "transform_input"
    params = {f"{name}.weight": std / 0.5, f"{name}.bias": (mean - 0.5) / 0.5,
              f"{name}.running_mean": np.zeros(3), f"{name}.running_var": np.ones(3)}
    for node in graph.nodes:
        node.inputs = [name if t == source else t for t in node.inputs]
    node = Node(name, "batch_norm2d", [source], {"num_features": 3, "eps": 0.0},
                {role: f"{name}.{role}" for role in ("weight", "bias", "running_mean", "running_var")})
    graph.nodes.insert(0, node)
    graph.params.update({k: v.astype(np.float32) for k, v in params.items()})
    return graph
