"""Model zoo: classic CNNs built with GraphBuilder, named exactly like torchvision's state_dict,
so that a torchvision state_dict loads by name (cnnengine.torch_weights.graph_with_torch_weights).

    from cnnengine import zoo
    zoo.names()                                  # ['alexnet', 'alexnet_original', 'googlenet', ...]
    model = zoo.resnet18(num_classes=10, seed=0)  # a cnnengine.Model with random (PyTorch-style) init
    model = zoo.create("vgg16_bn")                # the same, by name
    graph = zoo.build_graph("googlenet", aux_logits=False)  # the Graph, without packing weights

Every network takes num_classes and seed (the builder's random init). Networks with adaptive or
global pooling accept any input size (free H and W); their metadata "input_shape" is still the
canonical size (224, 227 for alexnet_original, 28 for LeNet) and "preprocessing" the recipe of
that size. The family modules register themselves at the bottom of this file (as in
cnnengine.layers) and share the helpers defined here.
"""
import functools
from typing import Callable, Dict, List, Optional

from cnnengine.builder import GraphBuilder
from cnnengine.graph import Graph

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

_GRAPHS: Dict[str, Callable[..., Graph]] = {}


def imagenet_preprocessing(crop: int = 224, resize: int = 256) -> Dict:
    """torchvision's ImageNet recipe: resize the short side, center crop, scale to [0, 1], normalise."""
    return {"resize": resize, "crop": crop, "mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD),
            "channel_order": "RGB", "scale": 1 / 255, "interpolation": "bilinear"}


def register(name: str, build: Callable[..., Graph], **fixed) -> Callable:
    """Adds `name` to the zoo. build(name, *args, **fixed, **kw) -> Graph makes the graph; the
    returned function makes the Model, with the same arguments (num_classes, seed, ...)."""
    if name in _GRAPHS:
        raise RuntimeError(f"zoo model '{name}' registered twice")
    graph_fn = functools.partial(build, name, **fixed)
    _GRAPHS[name] = graph_fn

    def model_fn(*args, **kwargs):
        from cnnengine.model import Model

        return Model(graph_fn(*args, **kwargs))

    model_fn.__name__ = model_fn.__qualname__ = name
    model_fn.__doc__ = f"{name}: a cnnengine.Model with random init. {build.__doc__ or ''}".strip()
    return model_fn


def names() -> List[str]:
    """Names of the zoo's networks, sorted."""
    return sorted(_GRAPHS)


def _lookup(name: str) -> Callable[..., Graph]:
    try:
        return _GRAPHS[name]
    except KeyError:
        raise ValueError(f"unknown zoo model '{name}' (known: {', '.join(names())})") from None


def build_graph(name: str, **kwargs) -> Graph:
    """The named network's Graph (random init); kwargs: num_classes, seed, and per-family options."""
    return _lookup(name)(**kwargs)


def create(name: str, num_threads: Optional[int] = None, algo=None, **kwargs):
    """The named network as a cnnengine.Model (random init); num_threads and algo as in Model()."""
    from cnnengine.model import Model

    return Model(build_graph(name, **kwargs), num_threads=num_threads, algo=algo)


# -- helpers shared by the families ----------------------------------------------------------
class Sequential:
    """Names layers like a torch.nn.Sequential: every call takes the next index under `prefix`
    ("features.0", "features.1", ...), parameterless layers (ReLU, pooling, dropout) included."""

    def __init__(self, builder: GraphBuilder, prefix: str):
        self.builder, self.prefix, self.index = builder, prefix, 0

    def __getattr__(self, op):
        method = getattr(self.builder, op)

        def call(*args, **kwargs):
            name = f"{self.prefix}.{self.index}"
            self.index += 1
            return method(*args, name=name, **kwargs)

        return call


def conv_bn_relu(b: GraphBuilder, x: str, out_channels: int, kernel_size, conv_name: str, bn_name: str,
                 stride=1, padding=0, eps=1e-5, relu=True, relu_name=None) -> str:
    """conv (no bias) -> batch norm [-> relu], the unit of GoogLeNet and ResNet."""
    x = b.conv2d(x, out_channels, kernel_size, stride=stride, padding=padding, bias=False, name=conv_name)
    x = b.batch_norm(x, eps=eps, name=bn_name)
    return b.relu(x, name=relu_name) if relu else x


def classifier_head(b: GraphBuilder, x: str, hidden: int, num_classes: int, dropout_first: bool,
                    prefix: str = "classifier") -> str:
    """The AlexNet/VGG classifier: two hidden linear+ReLU layers with dropout, then the logits.
    torchvision's AlexNet puts each dropout before its linear layer, VGG after the ReLU."""
    seq = Sequential(b, prefix)
    for _ in range(2):
        if dropout_first:
            x = seq.dropout(x, 0.5)
        x = seq.relu(seq.linear(x, hidden))
        if not dropout_first:
            x = seq.dropout(x, 0.5)
    return seq.linear(x, num_classes)


# The families register themselves on import.
from cnnengine.zoo import alexnet as _alexnet, googlenet as _googlenet, lenet as _lenet  # noqa: E402
from cnnengine.zoo import resnet as _resnet, vgg as _vgg  # noqa: E402
from cnnengine.zoo import segmentation as _segmentation, super_resolution as _super_resolution  # noqa: E402

lenet5 = _lenet.lenet5
alexnet, alexnet_original = _alexnet.alexnet, _alexnet.alexnet_original
vgg11, vgg13, vgg16, vgg19 = _vgg.vgg11, _vgg.vgg13, _vgg.vgg16, _vgg.vgg19
vgg11_bn, vgg13_bn, vgg16_bn, vgg19_bn = _vgg.vgg11_bn, _vgg.vgg13_bn, _vgg.vgg16_bn, _vgg.vgg19_bn
googlenet = _googlenet.googlenet
resnet18, resnet34, resnet50 = _resnet.resnet18, _resnet.resnet34, _resnet.resnet50
resnet101, resnet152 = _resnet.resnet101, _resnet.resnet152
segmenter_small = _segmentation.segmenter_small
espcn_x2, espcn_x3 = _super_resolution.espcn_x2, _super_resolution.espcn_x3

# Networks whose output is an image-sized map rather than class logits.
DENSE_PREDICTION = ("espcn_x2", "espcn_x3", "segmenter_small")

__all__ = ["build_graph", "create", "names"] + names()
