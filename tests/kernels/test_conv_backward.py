"""conv2d_backward against its reference twin, torch.autograd (same weights, same inputs) and
float64 central finite differences, on awkward shapes and every stride / padding / dilation /
groups combination the zoo uses, plus grouped and depthwise ones.

Tolerances: the GEMM and inner-product paths sum in float32 over depth K (dx, dw) or N*OH*OW (dw, db), in another
order than PyTorch: rtol 1e-4 with atol 1e-5 * max|reference| (DESIGN.md §4)."""
import numpy as np
import pytest

from cnnengine import _C
from gradcheck import assert_matches_finite_differences

# (x shape, Cout, kernel, stride, padding (top, left, bottom, right), dilation, groups)
CASES = [
    ((2, 3, 13, 13), 7, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
    ((1, 1, 5, 5), 1, (5, 5), (1, 1), (2, 2, 2, 2), (1, 1), 1),  # LeNet conv1
    ((3, 6, 14, 14), 16, (5, 5), (1, 1), (0, 0, 0, 0), (1, 1), 1),  # LeNet conv2
    ((2, 3, 23, 23), 13, (7, 7), (2, 2), (3, 3, 3, 3), (1, 1), 1),  # ResNet stem
    ((2, 13, 7, 7), 7, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1),  # 1x1
    ((2, 13, 7, 7), 7, (1, 1), (2, 2), (0, 0, 0, 0), (1, 1), 1),  # ResNet downsample
    ((1, 7, 9, 11), 13, (3, 2), (2, 1), (1, 0, 2, 1), (2, 3), 1),  # asymmetric everything
    ((2, 6, 9, 9), 9, (3, 3), (1, 2), (1, 1, 1, 1), (1, 1), 3),  # grouped
    ((2, 7, 9, 9), 7, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 7),  # depthwise
    ((1, 3, 8, 8), 6, (3, 3), (1, 1), (2, 2, 2, 2), (2, 2), 3),  # depthwise, multiplier 2, dilated
    ((1, 3, 1, 1), 5, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1),
    ((2, 64, 12, 12), 70, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),  # several K blocks and row tiles
    ((7, 6, 7, 7), 9, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 3),  # dW GEMMs spanning several images
    # dW by inner products and dx by slices (stride 1, <= 16 outputs per group; dx: >= 6 inputs per
    # group, here 7 and 13: a partial block of rows) and either side of the bounds
    ((2, 4, 9, 11), 10, (3, 2), (1, 1), (2, 0, 1, 1), (2, 1), 2),  # grouped, dilated, asymmetric padding
    ((2, 14, 9, 11), 10, (3, 2), (1, 1), (2, 0, 1, 1), (2, 1), 2),
    ((1, 13, 7, 9), 9, (3, 3), (1, 1), (3, 3, 3, 3), (1, 1), 1),  # padding past the kernel's reach
    ((1, 6, 40, 37), 5, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),  # 1560 positions: two runs of them
    ((9, 1, 28, 28), 6, (5, 5), (1, 1), (2, 2, 2, 2), (1, 1), 1),  # LeNet conv1, several images per thread
    ((2, 5, 6, 7), 16, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
    ((2, 5, 6, 7), 17, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
]


def make_case(rng, shape, cout, kernel, stride, padding, dilation, groups):
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((cout, shape[1] // groups) + kernel).astype(np.float32) * 0.3
    conv = _C.Conv2d(w, None, stride=stride, padding=padding, dilation=dilation, groups=groups)
    dy = rng.standard_normal(conv.forward(x).shape).astype(np.float32)
    return x, w, conv, dy


def torch_conv(torch, x, w, stride, padding, dilation, groups):
    top, left, bottom, right = padding
    x = torch.nn.functional.pad(x, (left, right, top, bottom))
    return torch.nn.functional.conv2d(x, w, None, stride, 0, dilation, groups)


def close(actual, expected):
    scale = float(np.max(np.abs(expected))) or 1.0
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-k{c[2]}-s{c[3]}-g{c[6]}" for c in CASES])
def test_conv_backward_matches_ref_and_torch(case, rng, torch):
    shape, cout, kernel, stride, padding, dilation, groups = case
    x, w, conv, dy = make_case(rng, shape, cout, kernel, stride, padding, dilation, groups)
    dx, dw, db = _C.conv2d_backward(conv, x, w, dy)
    ref = _C.conv2d_backward_ref(conv, x, w, dy)
    for got, want in zip((dx, dw, db), ref):
        close(got, want)

    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.zeros(cout, requires_grad=True)
    y = torch_conv(torch, xt, wt, stride, padding, dilation, groups) + bt.view(1, -1, 1, 1)
    y.backward(torch.tensor(dy))
    close(dx, xt.grad.numpy())
    close(dw, wt.grad.numpy())
    close(db, bt.grad.numpy())


@pytest.mark.parametrize("case", CASES[:10], ids=[f"{c[0]}-k{c[2]}-g{c[6]}" for c in CASES[:10]])
def test_conv_backward_matches_finite_differences(case, rng, torch):
    shape, cout, kernel, stride, padding, dilation, groups = case
    x, w, conv, dy = make_case(rng, shape, cout, kernel, stride, padding, dilation, groups)
    dx, dw, _ = _C.conv2d_backward(conv, x, w, dy)
    dy64 = torch.tensor(dy, dtype=torch.float64)

    def loss_x(x64):
        return float((torch_conv(torch, torch.tensor(x64), torch.tensor(w, dtype=torch.float64), stride, padding,
                                 dilation, groups) * dy64).sum())

    def loss_w(w64):
        return float((torch_conv(torch, torch.tensor(x, dtype=torch.float64), torch.tensor(w64), stride, padding,
                                 dilation, groups) * dy64).sum())

    assert_matches_finite_differences(dx, loss_x, x, rng)
    assert_matches_finite_differences(dw, loss_w, w, rng)


def test_conv_backward_skips_unwanted_gradients_and_checks_shapes(rng):
    x, w, conv, dy = make_case(rng, (1, 3, 6, 6), 4, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    dx, dw, db = _C.conv2d_backward(conv, x, w, dy, need_dx=False, need_db=False)
    assert dx is None and db is None and dw.shape == w.shape
    with pytest.raises(ValueError, match="dy"):
        _C.conv2d_backward(conv, x, w, dy[:, :2])
    with pytest.raises(ValueError, match="weight"):
        _C.conv2d_backward(conv, x, w[:2], dy)


def test_weight_gradient_slices_sum_to_the_reference(rng):
    """At two threads dW is summed from one partial per slice of images (the first slice's is dW
    itself): against the reference, and split differently from the one-thread sum."""
    x, w, conv, dy = make_case(rng, (6, 32, 20, 20), 48, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1)
    threads = _C.get_num_threads()
    try:
        _C.set_num_threads(1)
        serial = _C.conv2d_backward(conv, x, w, dy, need_dx=False, need_db=False)[1]
        _C.set_num_threads(2)
        sliced = _C.conv2d_backward(conv, x, w, dy, need_dx=False, need_db=False)[1]
    finally:
        _C.set_num_threads(threads)
    want = _C.conv2d_backward_ref(conv, x, w, dy)[1]
    assert not np.array_equal(serial, sliced)
    for got in (serial, sliced):
        assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max()
