"""cnnengine.convert: torchvision networks through the zoo route, custom modules through torch.fx,
outputs compared with PyTorch (max |diff| <= 1e-4 * max |logit|), and the errors for what cannot
be converted."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")
nn, F = torch.nn, torch.nn.functional

from cnnengine import load  # noqa: E402
from cnnengine.convert import (ConversionError, convert_torchvision, from_torch, imagenet_categories,  # noqa: E402
                               recipe_from_weights, torchvision_weights, verify_against_torch)
from cnnengine.errors import GraphError  # noqa: E402
from cnnengine.preprocess import IMAGENET_RECIPE  # noqa: E402

RTOL = 1e-4


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """PyTorch's threads fight the engine's on a small machine: one thread keeps the tests quick."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def randomize_batch_norm(module, seed=0):
    """Non-trivial BN statistics and affine parameters, so folding is really exercised."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                for tensor, low, high in ((m.running_mean, -0.2, 0.2), (m.running_var, 0.5, 1.5),
                                          (m.weight, 0.5, 1.5), (m.bias, -0.2, 0.2)):
                    tensor.copy_(torch.rand(tensor.shape, generator=generator) * (high - low) + low)
    return module


def assert_matches_torch(module, model, shape, seed=1):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = module(torch.from_numpy(x))
    expected = [t.numpy() for t in (expected if isinstance(expected, (tuple, list)) else [expected])]
    got = model.predict(x)
    got = list(got) if isinstance(got, tuple) else [got]
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected):
        assert mine.shape == theirs.shape
        assert np.max(np.abs(mine - theirs)) <= RTOL * np.max(np.abs(theirs))


def state_names(module):
    return {k for k in module.state_dict() if not k.endswith("num_batches_tracked")}


def test_from_torch_at_top_level():
    import cnnengine
    assert cnnengine.from_torch is from_torch
    with pytest.raises(AttributeError, match="no attribute 'from_torchvision'"):
        cnnengine.from_torchvision


# -- zoo route ---------------------------------------------------------------------------------
def test_torchvision_resnet18(capsys):
    torch.manual_seed(0)
    module = randomize_batch_norm(torchvision.models.resnet18(weights=None))
    module.train()
    model = from_torch(module, example_shape=(3, 224, 224))
    assert "max |Δ| = " in capsys.readouterr().out
    assert module.training  # the caller's mode is restored
    assert model.graph.metadata["source"]["route"] == "zoo" and model.name == "resnet18"
    assert set(model.graph.params) == state_names(module)
    assert model.labels == imagenet_categories() and len(model.labels) == 1000
    assert model.preprocessing == IMAGENET_RECIPE
    module.eval()
    assert_matches_torch(module, model, (2, 3, 160, 128))  # the zoo graph takes any input size


def test_googlenet_transform_input_is_kept():
    torch.manual_seed(0)
    module = torchvision.models.googlenet(weights=None, aux_logits=False, transform_input=True, init_weights=False)
    for m in module.modules():  # calibrate BN on data: random init alone gives constant logits
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None
    with torch.no_grad():
        module.train()(torch.randn(4, 3, 64, 64))
    module.eval()
    model = from_torch(module, example_shape=(1, 3, 64, 64))
    assert model.graph.metadata["source"]["route"] == "zoo"
    assert model.graph.nodes[0].name == "transform_input"
    assert_matches_torch(module, model, (2, 3, 64, 64))


def test_a_resnet_the_zoo_lacks_goes_through_fx():
    torch.manual_seed(0)
    shallow = randomize_batch_norm(torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock,
                                                                    [1, 1, 1, 1], num_classes=10)).eval()
    model = from_torch(shallow, example_shape=(3, 64, 64))
    assert model.graph.metadata["source"]["route"] == "fx"
    assert model.labels is None and model.preprocessing is None  # not an ImageNet classifier
    assert set(model.graph.params) == state_names(shallow)
    assert_matches_torch(shallow, model, (2, 3, 64, 64))
    strided = randomize_batch_norm(torchvision.models.resnet18(weights=None, num_classes=10)).eval()
    strided.conv1.stride = (1, 1)  # same parameters as the zoo's resnet18, different geometry
    model = from_torch(strided, example_shape=(3, 48, 48))
    assert model.graph.metadata["source"]["route"] == "fx"
    assert_matches_torch(strided, model, (1, 3, 48, 48))


@pytest.mark.parametrize("name", ["mobilenet_v3_small", "mobilenet_v2"])
def test_mobilenets_go_through_fx_with_fused_activations(name):
    """Hardswish / Hardsigmoid / ReLU6 and the squeeze-excitation gate (a broadcasting multiply):
    the plan fuses every activation into its conv, as for the same network imported from ONNX."""
    torch.manual_seed(0)
    module = randomize_batch_norm(getattr(torchvision.models, name)(weights=None, num_classes=10)).eval()
    model = from_torch(module, example_shape=(3, 64, 64))
    assert model.graph.metadata["source"]["route"] == "fx"
    assert_matches_torch(module, model, (2, 3, 64, 64))
    producers = {node.name: node.op for node, _, _ in model._plan.steps}
    unfused = [(node.op, producers.get(node.inputs[0])) for node, _, _ in model._plan.steps
               if node.op in ("hard_swish", "hard_sigmoid", "clip")]
    assert unfused == ([("hard_swish", "linear")] if name == "mobilenet_v3_small" else []), unfused  # classifier
    assert {kernel.algorithm for node, _, kernel in model._plan.steps if node.op == "conv2d"} == \
        {"direct_wide", "depthwise_direct", "gemm_1x1"}


def test_convert_torchvision_random_init():
    model = convert_torchvision("resnet18", num_classes=10)
    assert model.name == "resnet18" and model.labels is None
    assert model.predict(np.zeros((1, 3, 64, 64), np.float32)).shape == (1, 10)
    with pytest.raises(GraphError, match="resnet999"):
        convert_torchvision("resnet999")


def test_torchvision_weights_metadata_without_download():
    weights = torchvision_weights("resnet50", "IMAGENET1K_V2")
    assert recipe_from_weights(weights) == dict(IMAGENET_RECIPE, resize=232)
    assert torchvision_weights("resnet18", "DEFAULT").name == "IMAGENET1K_V1"
    with pytest.raises(GraphError, match="IMAGENET1K_V1"):
        torchvision_weights("resnet18", "IMAGENET9K")
    with pytest.raises(GraphError, match="1000 classes"):
        convert_torchvision("resnet18", weights="IMAGENET1K_V1", num_classes=10)  # refused before any download


def test_imagenet_labels_are_torchvisions():
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    assert imagenet_categories() == list(_IMAGENET_CATEGORIES)


# -- fx route ----------------------------------------------------------------------------------
class EveryLayer(nn.Module):
    """Every supported layer and function, in the forms people write them."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.conv2 = nn.Conv2d(8, 8, 3, padding="same", bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.lrn = nn.LocalResponseNorm(3, alpha=1e-3, beta=0.75, k=2.0)
        self.branch = nn.Conv2d(8, 4, 1, stride=1, groups=4)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.gap = nn.AdaptiveAvgPool2d((2, 2))
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.3)
        self.fc1 = nn.Linear(48, 10)
        self.fc2 = nn.Linear(12 * 4 * 4, 10)
        self.fc3 = nn.Linear(12 * 4 * 4, 10)
        self.identity = nn.Identity()
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        x = self.pool(self.relu(self.bn1(self.conv1(x))))
        y = self.bn2(self.conv2(x))
        y = F.relu(y + x)
        y = torch.relu(torch.add(y, x))
        y = torch.cat([self.lrn(y), self.avg(self.branch(y))], dim=1)  # 12 x 8 x 8
        y = F.max_pool2d(y, 2)                                          # 12 x 4 x 4
        a = self.fc1(self.dropout(self.flatten(self.gap(y))))
        b = self.fc2(y.view(y.size(0), -1))
        c = self.fc3(F.dropout(torch.flatten(F.avg_pool2d(y, 1), 1), 0.5, training=self.training))
        logits = self.identity(a + b) + c
        return logits, self.softmax(logits)


def test_every_supported_layer(tmp_path, capsys):
    torch.manual_seed(0)
    module = randomize_batch_norm(EveryLayer()).eval()
    model = from_torch(module, example_shape=(3, 16, 16), name="every")
    assert "max |Δ|" in capsys.readouterr().out
    assert model.graph.metadata["source"]["route"] == "fx" and model.name == "every"
    assert set(model.graph.params) == state_names(module)
    ops = {node.op for node in model.graph.nodes}
    assert ops >= {"conv2d", "batch_norm2d", "relu", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "linear",
                   "dropout", "flatten", "add", "concat", "lrn", "softmax"}
    assert_matches_torch(module, model, (3, 3, 16, 16))
    model.save(tmp_path / "every.npz")
    assert_matches_torch(module, load(tmp_path / "every.npz"), (2, 3, 16, 16))


def test_labels_preprocessing_and_example_shape():
    module = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 3))
    recipe = {"mode": "L", "resize": 28, "crop": 28, "mean": [0.5], "std": [0.5]}
    model = from_torch(module, example_shape=(1, 28, 28), labels=["a", "b", "c"], preprocessing=recipe, verify=False)
    assert model.labels == ["a", "b", "c"] and model.preprocessing["mode"] == "L"
    assert model.inputs[0]["shape"] == ("N", 1, 28, 28)
    with pytest.raises(GraphError, match="2 labels"):
        from_torch(module, example_shape=(1, 28, 28), labels=["a", "b"], verify=False)
    with pytest.raises(GraphError, match="channel"):
        from_torch(module, example_shape=(1, 28, 28), preprocessing=IMAGENET_RECIPE, verify=False)
    with pytest.raises(GraphError, match="guessed: pass example_shape"):  # 224 x 224 does not fit the Linear
        from_torch(module, verify=False)
    mlp = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))
    assert_matches_torch(mlp, from_torch(mlp), (3, 5))  # example shape from the first Linear


class Gelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.block = nn.Sequential(nn.Conv2d(4, 4, 1), nn.GELU())

    def forward(self, x):
        return self.block(self.conv(x))


class Functional(nn.Module):
    def forward(self, x):
        return F.gelu(x)


class Branchy(nn.Module):
    def forward(self, x):
        return x if x.sum() > 0 else -x


class Reshape(nn.Module):
    def forward(self, x):
        return F.relu(x).view(x.size(0), 3, -1)


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return F.relu(x) * self.scale


class SharedConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x):
        return self.conv(self.conv(x))


@pytest.mark.parametrize("module, message", [
    (Gelu(), r"module 'block\.1' \(torch\.nn\.modules\.activation\.GELU\)"),
    (Functional(), r"function .*gelu"),
    (Branchy(), "cannot trace"),
    (Reshape(), r"\.view\(\)"),
    (Scaled(), "scale"),
    (SharedConv(), "more than once"),
    (nn.Sequential(nn.Conv2d(3, 3, 3, padding_mode="reflect")), "padding_mode"),
    (nn.Sequential(nn.Conv2d(3, 3, 3), nn.Softmax(dim=2)), "dim=2"),
])
def test_unsupported_layers_are_named(module, message):
    with pytest.raises(GraphError, match=message):
        from_torch(module, example_shape=(3, 8, 8))


def test_verification_catches_a_wrong_model(capsys):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))
    model = from_torch(module, example_shape=(3, 8, 8), verify=False)
    with torch.no_grad():
        module[3].weight.mul_(1.01)
    with pytest.raises(ConversionError, match="differs from PyTorch"):
        verify_against_torch(module, model, (2, 3, 8, 8))
