"""The zoo's dense-prediction networks (segmenter_small: conv encoder, ConvTranspose2d and
bilinear Upsample decoder; espcn_x2/x3: PixelShuffle super-resolution) against PyTorch twins with
the same weights, at batch 1 and 3 and two input sizes (both accept any size), plus the builder's
nearest and align_corners upsampling. Tolerance: max|diff| <= 1e-4 * max|torch output| on the
GEMM paths, 1e-3 when a layer runs a Winograd convolution (issue 7)."""
import numpy as np
import pytest

from cnnengine import GraphBuilder, zoo
from cnnengine.torch_weights import graph_with_torch_weights
from cnnengine.model import Model

RTOL_GEMM, RTOL_WINOGRAD = 1e-4, 1e-3


def segmenter_twin(torch, num_classes):
    nn = torch.nn

    class Segmenter(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                nn.Conv2d(32, 64, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
            self.decoder = nn.Sequential(
                nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                nn.Conv2d(32, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
            self.classifier = nn.Conv2d(16, num_classes, 1)

        def forward(self, x):
            return self.classifier(self.decoder(self.encoder(x)))

    return Segmenter()


def espcn_twin(torch, upscale):
    nn = torch.nn

    class Espcn(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 64, 5, padding=2), nn.Tanh(), nn.Conv2d(64, 32, 3, padding=1),
                                          nn.Tanh(), nn.Conv2d(32, upscale * upscale, 3, padding=1),
                                          nn.PixelShuffle(upscale))

        def forward(self, x):
            return self.features(x)

    return Espcn()


def randomize_batch_norm(torch, module):
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for bn in (m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)):
            bn.weight.uniform_(0.5, 1.5, generator=generator)
            bn.bias.uniform_(-0.3, 0.3, generator=generator)
            bn.running_mean.uniform_(-0.3, 0.3, generator=generator)
            bn.running_var.uniform_(0.5, 1.5, generator=generator)
    return module.eval()


def assert_parity(model, x, expected):
    actual = model.predict(x)
    assert actual.shape == expected.shape
    winograd = any("winograd" in getattr(kernel, "algorithm", "") for _, _, kernel in model._plan.steps)
    rtol = RTOL_WINOGRAD if winograd else RTOL_GEMM
    ratio = np.abs(actual - expected).max() / np.abs(expected).max()
    assert ratio <= rtol, f"max|diff| / max|torch| = {ratio:.2e}"


CASES = [("segmenter_small", lambda torch: segmenter_twin(torch, 21), 3, (64, 40)),
         ("espcn_x2", lambda torch: espcn_twin(torch, 2), 1, (32, 17)),
         ("espcn_x3", lambda torch: espcn_twin(torch, 3), 1, (24, 13))]


@pytest.mark.parametrize("name,make_twin,channels,sizes", CASES, ids=[c[0] for c in CASES])
def test_dense_prediction_network_matches_pytorch(torch, rng, name, make_twin, channels, sizes):
    torch.manual_seed(0)
    twin = randomize_batch_norm(torch, make_twin(torch))
    model = Model(graph_with_torch_weights(zoo.build_graph(name), twin.state_dict()), num_threads=2)
    for batch, size in ((1, sizes[0]), (3, sizes[1])):
        x = rng.standard_normal((batch, channels, size, size)).astype(np.float32)
        with torch.no_grad():
            expected = twin(torch.from_numpy(x)).numpy()
        assert_parity(model, x, expected)
    scale = 1 if name == "segmenter_small" else int(name[-1])
    assert expected.shape[2:] == (sizes[1] * scale,) * 2  # output as large as the input, or larger


@pytest.mark.parametrize("mode,align_corners,scale", [("nearest", False, 2), ("nearest", False, 3),
                                                      ("bilinear", True, 2), ("bilinear", False, 1.5)])
def test_builder_upsample_matches_torch(torch, rng, mode, align_corners, scale):
    b = GraphBuilder("up", input_shape=(4, 6, 5))
    model = b.build_model([b.upsample(b.input, scale, mode=mode, align_corners=align_corners)], free_spatial=True)
    x = rng.standard_normal((2, 4, 6, 5)).astype(np.float32)
    kwargs = {"align_corners": align_corners} if mode == "bilinear" else {}
    expected = torch.nn.Upsample(scale_factor=scale, mode=mode, **kwargs)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-5)


def test_builder_conv_transpose_has_pytorch_default_init_scale():
    b = GraphBuilder("t", input_shape=(8, 4, 4))
    graph = b.build([b.conv_transpose2d(b.input, 6, 3, stride=2, groups=2, name="up")])
    bound = 1 / np.sqrt(3 * 3 * 3)  # PyTorch: fan_in from weight dim 1 (Cout / groups) * k * k
    weight = graph.params["up.weight"]
    assert weight.shape == (8, 3, 3, 3) and 0.8 * bound < np.abs(weight).max() <= bound
