"""Builder API: compose a network layer by layer; parameters get PyTorch's default
initialisation and PyTorch-style names ("<layer name>.weight").

The seed example, 256x256x3 -> conv 3x3 to 64 -> pool /4 -> conv 3x3 to 64 -> pool /4 ->
flatten 16384 -> dense 1000:

    b = GraphBuilder("seed", input_shape=(3, 256, 256))
    x = b.conv2d(b.input, 64, 3, padding=1, name="conv1")
    x = b.max_pool2d(b.relu(x), 4)
    x = b.conv2d(x, 64, 3, padding=1, name="conv2")
    x = b.max_pool2d(b.relu(x), 4)
    x = b.linear(b.flatten(x), 1000, name="fc")
    model = b.build_model(outputs=[x])
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

from cnnengine.errors import GraphError
from cnnengine.graph import Graph, InputSpec, Node
from cnnengine.layers import get_layer


class GraphBuilder:
    def __init__(self, name: str, input_shape: Sequence[int] = (3, 224, 224), input_name: str = "input",
                 seed: int = 0):
        self.name = name
        self.input = input_name
        self._input_shape = tuple(input_shape)
        self._nodes: List[Node] = []
        self._params: Dict[str, np.ndarray] = {}
        self._shapes = {input_name: (1,) + self._input_shape}
        self._rng = np.random.default_rng(seed)
        self._counts: Dict[str, int] = {}

    def shape(self, tensor: str):
        """Per-sample shape of a tensor built so far."""
        return self._shapes[tensor][1:]

    # -- plumbing -------------------------------------------------------------------------
    def _add(self, op, inputs, attrs, name=None, params: Optional[Dict[str, np.ndarray]] = None):
        if name is None:
            self._counts[op] = self._counts.get(op, 0) + 1
            name = f"{op}{self._counts[op]}"
        if name in self._shapes:
            raise GraphError(f"builder: name '{name}' is already used")
        node = Node(name, op, list(inputs), attrs, {role: f"{name}.{role}" for role in params or {}})
        layer = get_layer(op)
        layer.check_attrs(node)
        self._shapes[name] = tuple(layer.output_shape(node, [self._shapes[t] for t in inputs]))
        for role, value in (params or {}).items():
            self._params[f"{name}.{role}"] = np.ascontiguousarray(value, dtype=np.float32)
        self._nodes.append(node)
        return name

    def _uniform(self, shape, fan_in):
        bound = 1.0 / np.sqrt(fan_in)  # PyTorch's default: kaiming_uniform(a=sqrt(5)) and its bias rule
        return ((self._rng.random(shape, dtype=np.float32) * 2 - 1) * np.float32(bound)).astype(np.float32)

    # -- layers -------------------------------------------------------------------------
    def conv2d(self, x, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, name=None):
        in_channels = self._shapes[x][1]
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        fan_in = in_channels // groups * kh * kw
        params = {"weight": self._uniform((out_channels, in_channels // groups, kh, kw), fan_in)}
        if bias:
            params["bias"] = self._uniform((out_channels,), fan_in)
        attrs = {"in_channels": in_channels, "out_channels": out_channels, "kernel_size": [kh, kw],
                 "stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        return self._add("conv2d", [x], attrs, name, params)

    def conv_transpose2d(self, x, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                         dilation=1, bias=True, name=None):
        """PyTorch ConvTranspose2d (weight [Cin, Cout/groups, kh, kw], PyTorch's default init)."""
        in_channels = self._shapes[x][1]
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        fan_in = out_channels // groups * kh * kw  # PyTorch computes fan_in from weight dim 1
        params = {"weight": self._uniform((in_channels, out_channels // groups, kh, kw), fan_in)}
        if bias:
            params["bias"] = self._uniform((out_channels,), fan_in)
        attrs = {"in_channels": in_channels, "out_channels": out_channels, "kernel_size": [kh, kw], "stride": stride,
                 "padding": padding, "output_padding": output_padding, "dilation": dilation, "groups": groups}
        return self._add("conv_transpose2d", [x], attrs, name, params)

    def upsample(self, x, scale_factor, mode="nearest", align_corners=False, name=None):
        """torch.nn.Upsample(scale_factor, mode nearest|bilinear, align_corners)."""
        if mode not in ("nearest", "bilinear"):
            raise GraphError(f"builder: upsample mode must be 'nearest' or 'bilinear', got {mode!r}")
        scales = [float(scale_factor)] * 2 if isinstance(scale_factor, (int, float)) else [float(s) for s in scale_factor]
        if mode == "nearest":
            attrs = {"mode": "nearest", "coordinates": "asymmetric", "nearest_mode": "floor"}
        else:
            attrs = {"mode": "linear", "coordinates": "align_corners" if align_corners else "half_pixel"}
        return self._add("resize2d", [x], dict(attrs, scales=scales), name)

    def pixel_shuffle(self, x, upscale_factor, name=None):
        """torch.nn.PixelShuffle: N x C*r*r x H x W -> N x C x H*r x W*r."""
        return self._add("depth_to_space", [x], {"block": upscale_factor, "mode": "CRD"}, name)

    def batch_norm(self, x, eps=1e-5, momentum=0.1, name=None):
        c = self._shapes[x][1]
        params = {"weight": np.ones(c), "bias": np.zeros(c), "running_mean": np.zeros(c), "running_var": np.ones(c)}
        return self._add("batch_norm2d", [x], {"num_features": c, "eps": eps, "momentum": momentum}, name, params)

    def linear(self, x, out_features, bias=True, name=None):
        in_features = self._shapes[x][1]
        params = {"weight": self._uniform((out_features, in_features), in_features)}
        if bias:
            params["bias"] = self._uniform((out_features,), in_features)
        return self._add("linear", [x], {"in_features": in_features, "out_features": out_features}, name, params)

    def relu(self, x, name=None):
        return self._add("relu", [x], {}, name)

    def max_pool2d(self, x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, name=None):
        attrs = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "dilation": dilation,
                 "ceil_mode": ceil_mode}
        return self._add("max_pool2d", [x], attrs, name)

    def avg_pool2d(self, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, name=None):
        attrs = {"kernel_size": kernel_size, "stride": stride, "padding": padding, "ceil_mode": ceil_mode,
                 "count_include_pad": count_include_pad}
        return self._add("avg_pool2d", [x], attrs, name)

    def adaptive_avg_pool2d(self, x, output_size, name=None):
        return self._add("adaptive_avg_pool2d", [x], {"output_size": output_size}, name)

    def lrn(self, x, size, alpha=1e-4, beta=0.75, k=1.0, name=None):
        return self._add("lrn", [x], {"size": size, "alpha": alpha, "beta": beta, "k": k}, name)

    def dropout(self, x, p=0.5, name=None):
        return self._add("dropout", [x], {"p": p}, name)

    def flatten(self, x, name=None):
        return self._add("flatten", [x], {"start_dim": 1}, name)

    def sigmoid(self, x, name=None):
        return self._add("sigmoid", [x], {}, name)

    def tanh(self, x, name=None):
        return self._add("tanh", [x], {}, name)

    def add(self, a, b, name=None):
        return self._add("add", [a, b], {}, name)

    def concat(self, tensors, name=None):
        return self._add("concat", list(tensors), {"axis": 1}, name)

    def softmax(self, x, name=None):
        return self._add("softmax", [x], {"axis": 1}, name)

    # -- result -------------------------------------------------------------------------
    def build(self, outputs: Sequence[str], training_outputs: Sequence[str] = (), metadata: Optional[Dict] = None,
              free_spatial: bool = False) -> Graph:
        """The graph; free_spatial=True declares H and W free (networks with global pooling)."""
        shape = self._input_shape[:1] + (None,) * (len(self._input_shape) - 1) if free_spatial else self._input_shape
        meta = {"name": self.name, "input_shape": list(self._input_shape)}
        meta.update(metadata or {})
        graph = Graph(self.name, [InputSpec(self.input, shape)], self._nodes, outputs, self._params, meta,
                      training_outputs)
        graph.validate()
        return graph

    def build_model(self, outputs, training_outputs=(), metadata=None, free_spatial=False, num_threads=None,
                    algo=None):
        """build() as a Model; num_threads and algo as in Model()."""
        from cnnengine.model import Model

        return Model(self.build(outputs, training_outputs, metadata, free_spatial), num_threads=num_threads,
                     algo=algo)
