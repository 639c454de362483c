"""The training conv op on Winograd: forward on the layer's chosen algorithm, dx of a 3x3 stride-1
layer by a Winograd convolution of dy with the flipped, channel-swapped kernel, dW from the GEMM
path. Checked against conv2d_backward's reference twin (plain loops, double accumulation) on
awkward shapes and every padding from 0 to 2 on each side, at the Winograd tolerance of
docs/winograd.md (1e-3 x max|reference|; F(2,3) and F(4,3) measure well below it)."""
import numpy as np
import pytest

from cnnengine import _C
from cnnengine.graph import Node
from cnnengine.training.ops import Mode, Wants, WinogradConvs, get_train_op

# (x shape, Cout, padding (top, left, bottom, right), algorithm)
CASES = [
    ((2, 3, 13, 13), 7, (1, 1, 1, 1), "winograd_f43"),
    ((1, 8, 7, 7), 13, (1, 1, 1, 1), "winograd_f23"),
    ((3, 13, 5, 9), 8, (0, 2, 1, 0), "winograd_f43"),
    ((1, 9, 12, 11), 1, (2, 0, 0, 2), "winograd_f63"),
    ((2, 16, 1, 1), 16, (1, 1, 1, 1), "winograd_f23"),
    ((1, 64, 14, 14), 70, (1, 1, 1, 1), "winograd_f43"),
]


def conv_node(cin, cout, padding):
    return Node("conv", "conv2d", ["x"], {"in_channels": cin, "out_channels": cout, "kernel_size": [3, 3],
                                          "padding": list(padding)}, {"weight": "conv.weight", "bias": "conv.bias"})


def run_op(node, params, x, dy, algorithm):
    op = get_train_op(node)
    mode = Mode({}, lambda: 0, lambda conv, shape: algorithm)
    y, saved = op.forward(node, params, [x], mode)
    (dx,), grads = op.backward(node, params, saved, dy, Wants([True], True))
    return y, dx, grads


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-p{c[2]}-{c[3]}" for c in CASES])
def test_winograd_training_conv_matches_reference(case, rng):
    shape, cout, padding, algorithm = case
    node = conv_node(shape[1], cout, padding)
    x = rng.standard_normal(shape).astype(np.float32)
    params = {"weight": (rng.standard_normal((cout, shape[1], 3, 3)) / np.sqrt(9 * shape[1])).astype(np.float32),
              "bias": rng.standard_normal(cout).astype(np.float32)}
    reference_conv = _C.Conv2d(params["weight"], params["bias"], padding=padding, algorithm="gemm")
    dy = rng.standard_normal(reference_conv.forward(x).shape).astype(np.float32)

    y, dx, grads = run_op(node, params, x, dy, algorithm)
    want_dx, want_dw, want_db = _C.conv2d_backward_ref(reference_conv, x, params["weight"], dy)
    want_y = _C.conv2d_ref(x, params["weight"], params["bias"], padding=padding)
    for got, want in ((y, want_y), (dx, want_dx), (grads["weight"], want_dw), (grads["bias"], want_db)):
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= 1e-3 * np.abs(want).max()


def test_dx_runs_by_winograd_only_where_the_forward_did(rng):
    """A layer forced to GEMM keeps the GEMM backward: its dx matches the GEMM kernel bit for bit."""
    node = conv_node(8, 8, (1, 1, 1, 1))
    x = rng.standard_normal((2, 8, 9, 9)).astype(np.float32)
    params = {"weight": rng.standard_normal((8, 8, 3, 3)).astype(np.float32)}
    dy = rng.standard_normal((2, 8, 9, 9)).astype(np.float32)
    _, dx, _ = run_op(node, params, x, dy, "gemm")
    conv = _C.Conv2d(params["weight"], None, padding=(1, 1), algorithm="gemm")
    np.testing.assert_array_equal(dx, _C.conv2d_backward(conv, x, params["weight"], dy)[0])


@pytest.mark.parametrize("algorithm", ["winograd_f23", "winograd_f43", "winograd_f63"])
@pytest.mark.parametrize("padding", [(1, 1, 1, 1), (0, 2, 1, 0)])
def test_winograd_conv_equals_the_inference_conv(algorithm, padding, rng):
    """WinogradConv (forward, and data_gradient reading the layer's weight flipped and channel-swapped)
    runs the same transform and kernels as Conv2d: equal bit for bit, also after load()."""
    tile = {"winograd_f23": 2, "winograd_f43": 4, "winograd_f63": 6}[algorithm]
    first, second = (rng.standard_normal((13, 7, 3, 3)).astype(np.float32) for _ in range(2))
    x = rng.standard_normal((2, 7, 11, 10)).astype(np.float32)
    bias = rng.standard_normal(13).astype(np.float32)
    forward = _C.WinogradConv(first, padding, tile)
    dy = rng.standard_normal(forward.forward(x).shape).astype(np.float32)
    data_gradient = _C.WinogradConv(first, tuple(2 - p for p in padding), tile, data_gradient=True)
    for weight in (first, second):
        forward.load(weight)
        data_gradient.load(weight)
        flipped = np.ascontiguousarray(weight.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
        want_y = _C.Conv2d(weight, bias, padding=padding, algorithm=algorithm).forward(x)
        want_dx = _C.Conv2d(flipped, None, padding=tuple(2 - p for p in padding), algorithm=algorithm).forward(dy)
        np.testing.assert_array_equal(forward.forward(x, bias), want_y)
        np.testing.assert_array_equal(data_gradient.forward(dy), want_dx)


def test_training_convs_are_kept_and_reloaded_across_steps(rng):
    """The executor's Winograd convs are built once per layer and role; a step after a weight
    change gives what a fresh set of convs gives."""
    node = conv_node(16, 16, (1, 1, 1, 1))
    x = rng.standard_normal((2, 16, 12, 12)).astype(np.float32)
    dy = rng.standard_normal((2, 16, 12, 12)).astype(np.float32)
    convs = WinogradConvs()
    op = get_train_op(node)

    def step(weight, winograd_convs):
        params = {"weight": weight}
        mode = Mode({}, lambda: 0, lambda conv, shape: "winograd_f43", winograd_convs)
        y, saved = op.forward(node, params, [x], mode)
        (dx,), grads = op.backward(node, params, saved, dy, Wants([True], True))
        return y, dx, grads["weight"]

    step(rng.standard_normal((16, 16, 3, 3)).astype(np.float32), convs)
    built = dict(convs._convs)
    weight = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    for got, want in zip(step(weight, convs), step(weight, WinogradConvs())):
        np.testing.assert_array_equal(got, want)
    assert len(built) == 2 and all(convs._convs[key] is conv for key, conv in built.items())


def test_winograd_conv_refuses_bad_arguments(rng):
    weight = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="3x3"):
        _C.WinogradConv(rng.standard_normal((4, 3, 5, 5)).astype(np.float32), 1, 4)
    with pytest.raises(ValueError, match="tile"):
        _C.WinogradConv(weight, 1, 5)
    conv = _C.WinogradConv(weight, 1, 4)
    with pytest.raises(ValueError, match="WinogradConv weight"):
        conv.load(rng.standard_normal((3, 4, 3, 3)).astype(np.float32))
    with pytest.raises(ValueError, match="WinogradConv bias"):
        conv.forward(np.zeros((1, 3, 6, 6), np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError):
        conv.forward(np.zeros((1, 4, 6, 6), np.float32))
    data_gradient = _C.WinogradConv(weight, 1, 4, data_gradient=True)
    x, dy = np.zeros((1, 3, 6, 6), np.float32), np.zeros((1, 4, 6, 6), np.float32)
    with pytest.raises(ValueError, match="data-gradient"):
        _C.conv2d_backward(data_gradient, x, weight, dy)
