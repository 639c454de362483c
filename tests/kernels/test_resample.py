"""Resampling kernels of issue 7 (resize2d, pad2d, depth_to_space / space_to_depth) and
ConvTranspose2d, against their twins, PyTorch and numpy; backward kernels against torch.autograd
in float64 (torch's own gradients are gradcheck-tested; ours are float32).

Tolerances: resize2d vs resize2d_ref rtol 1e-6 / atol 1e-6 (float blend vs double), vs torch
atol 1e-5 (torch computes align_corners coordinates in float32); pad2d and depth_to_space exact (data movement); conv_transpose2d vs the twin and torch
rtol 1e-4 / atol 1e-5 (GEMM summation order); backward rtol 1e-4 / atol 1e-4 x max|grad|."""
import numpy as np
import pytest

from cnnengine import _C

RESIZES = [((1, 1, 1, 1), (3, 2)), ((2, 3, 5, 7), (10, 14)), ((1, 4, 7, 5), (13, 11)), ((2, 3, 9, 8), (4, 3)),
           ((1, 2, 6, 6), (6, 6)), ((1, 16, 28, 28), (56, 56))]


def torch_resize(torch, x, size, mode, align_corners):
    f = torch.nn.functional
    t = torch.from_numpy(x)
    if mode == "nearest":
        return f.interpolate(t, size=size, mode="nearest").numpy()
    return f.interpolate(t, size=size, mode="bilinear", align_corners=align_corners).numpy()


@pytest.mark.parametrize("shape,size", RESIZES, ids=str)
@pytest.mark.parametrize("mode,coordinates,align", [("nearest", "asymmetric", None), ("linear", "half_pixel", False),
                                                    ("linear", "align_corners", True)])
def test_resize2d_matches_twin_and_torch(torch, rng, shape, size, mode, coordinates, align):
    x = rng.standard_normal(shape).astype(np.float32)
    y = _C.resize2d(x, size, mode, coordinates, "floor")
    np.testing.assert_allclose(y, _C.resize2d_ref(x, size, mode, coordinates, "floor"), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(y, torch_resize(torch, x, size, mode, align), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rounding", ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
@pytest.mark.parametrize("coordinates", ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"])
@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize2d_modes_match_twin(rng, mode, coordinates, rounding):
    x = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    for size, scales in (((10, 8), None), ((7, 3), None), ((12, 10), (2.5, 2.5)), ((1, 1), None)):
        y = _C.resize2d(x, size, mode, coordinates, rounding, scales)
        np.testing.assert_allclose(y, _C.resize2d_ref(x, size, mode, coordinates, rounding, scales), rtol=1e-6,
                                   atol=1e-6)


@pytest.mark.parametrize("shape,size", RESIZES[1:4], ids=str)
@pytest.mark.parametrize("mode,coordinates,align", [("nearest", "asymmetric", None), ("linear", "half_pixel", False),
                                                    ("linear", "align_corners", True)])
def test_resize2d_backward_matches_autograd(torch, rng, shape, size, mode, coordinates, align):
    x = torch.from_numpy(rng.standard_normal(shape)).requires_grad_()
    grad_y = rng.standard_normal(shape[:2] + size)
    kwargs = {} if mode == "nearest" else {"align_corners": align}
    torch.nn.functional.interpolate(x, size=size, mode="nearest" if mode == "nearest" else "bilinear",
                                    **kwargs).backward(torch.from_numpy(grad_y))
    grad_x = _C.resize2d_backward(grad_y.astype(np.float32), shape[2:], mode, coordinates, "floor")
    expected = x.grad.numpy()
    np.testing.assert_allclose(grad_x, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("pads", [(0, 0, 0, 0), (1, 2, 3, 1), (2, 2, 2, 2), (0, 4, 0, 1)], ids=str)
@pytest.mark.parametrize("mode,np_mode", [("constant", "constant"), ("reflect", "reflect"), ("edge", "edge")])
def test_pad2d_matches_numpy(rng, pads, mode, np_mode):
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    top, left, bottom, right = pads
    kwargs = {"constant_values": 1.5} if np_mode == "constant" else {}
    expected = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode=np_mode, **kwargs)
    np.testing.assert_array_equal(_C.pad2d(x, pads, mode, 1.5), expected)


def test_pad2d_rejects_bad_arguments():
    x = np.ones((1, 1, 3, 3), np.float32)
    with pytest.raises(ValueError, match="smaller than the input"):
        _C.pad2d(x, 3, "reflect")
    with pytest.raises(ValueError, match=">= 0"):
        _C.pad2d(x, (-1, 0, 0, 0))
    with pytest.raises(ValueError, match="pad mode must be one of"):
        _C.pad2d(x, 1, "wrap")


@pytest.mark.parametrize("shape,block", [((1, 4, 1, 1), 2), ((2, 18, 5, 3), 3), ((3, 32, 7, 7), 2),
                                         ((1, 9, 2, 2), 1)], ids=str)
def test_depth_to_space_matches_torch_and_onnx_definition(torch, rng, shape, block):
    x = rng.standard_normal(shape).astype(np.float32)
    crd = _C.depth_to_space(x, block, "CRD")
    np.testing.assert_array_equal(crd, torch.nn.functional.pixel_shuffle(torch.from_numpy(x), block).numpy())
    n, c, h, w = shape
    dcr = x.reshape(n, block, block, c // block ** 2, h, w).transpose(0, 3, 4, 1, 5, 2)
    np.testing.assert_array_equal(_C.depth_to_space(x, block, "DCR"), dcr.reshape(n, c // block ** 2, h * block,
                                                                                  w * block))
    for mode in ("CRD", "DCR"):  # the backward is the inverse permutation
        np.testing.assert_array_equal(_C.space_to_depth(_C.depth_to_space(x, block, mode), block, mode), x)


def test_pixel_shuffle_backward_matches_autograd(torch, rng):
    x = torch.from_numpy(rng.standard_normal((2, 18, 4, 5))).requires_grad_()
    grad_y = rng.standard_normal((2, 2, 12, 15))
    torch.nn.functional.pixel_shuffle(x, 3).backward(torch.from_numpy(grad_y))
    np.testing.assert_array_equal(_C.space_to_depth(grad_y.astype(np.float32), 3, "CRD"),
                                  x.grad.numpy().astype(np.float32))


def test_depth_to_space_rejects_bad_channels():
    with pytest.raises(ValueError, match="divisible"):
        _C.depth_to_space(np.ones((1, 6, 2, 2), np.float32), 2)


# (Cin, Cout, kernel, stride, padding, output_padding, dilation, groups, input h x w)
CONV_T = [(1, 1, 1, 1, 0, 0, 1, 1, (1, 1)), (3, 7, 3, 2, 1, 1, 1, 1, (5, 6)), (4, 6, (3, 2), (2, 3), (1, 0), (1, 2),
                                                                                (2, 1), 2, (5, 4)),
          (8, 8, 4, 2, 1, 0, 1, 8, (7, 7)), (13, 5, 2, 2, 0, 0, 1, 1, (3, 9)), (16, 32, 3, 1, 1, 0, 1, 1, (13, 13)),
          (6, 9, 5, 3, 2, 2, 1, 3, (4, 4))]


def conv_t_args(case):
    cin, cout, k, s, p, op, d, g, _ = case
    kh, kw = (k, k) if isinstance(k, int) else k
    return (cin, cout // g, kh, kw), dict(stride=s, padding=p, output_padding=op, dilation=d, groups=g)


@pytest.mark.parametrize("case", CONV_T, ids=str)
@pytest.mark.parametrize("batch", [1, 3])
def test_conv_transpose2d_matches_twin_and_torch(torch, rng, case, batch):
    w_shape, kw = conv_t_args(case)
    x = rng.standard_normal((batch, case[0]) + case[-1]).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(case[1]).astype(np.float32)
    y = _C.ConvTranspose2d(w, b, **kw).forward(x)
    ref = _C.conv_transpose2d_ref(x, w, b, **kw)
    expected = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b),
                                                    **kw).numpy()
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", CONV_T, ids=str)
def test_conv_transpose2d_backward_matches_autograd(torch, rng, case):
    w_shape, kw = conv_t_args(case)
    x = torch.from_numpy(rng.standard_normal((2, case[0]) + case[-1])).requires_grad_()
    w = torch.from_numpy(rng.standard_normal(w_shape)).requires_grad_()
    b = torch.zeros(case[1], dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv_transpose2d(x, w, b, **kw)
    grad_y = rng.standard_normal(tuple(y.shape))
    y.backward(torch.from_numpy(grad_y))
    ours = _C.conv_transpose2d_backward(x.detach().numpy().astype(np.float32), w.detach().numpy().astype(np.float32),
                                        grad_y.astype(np.float32), **kw)
    for got, expected in zip(ours, (x.grad, w.grad, b.grad)):
        expected = expected.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_conv_transpose2d_rejects_bad_arguments():
    w = np.ones((4, 2, 3, 3), np.float32)
    with pytest.raises(ValueError, match="output_padding"):
        _C.ConvTranspose2d(w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="channels"):
        _C.ConvTranspose2d(w).forward(np.ones((1, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match="bias"):
        _C.ConvTranspose2d(w, np.ones(3, np.float32))
