"""Linear on the packed SGEMM (weight packed once as B, bias + ReLU in the epilogue) against
linear_ref and torch.nn.functional.linear.

Tolerance: |y - ref| <= max|ref| * in_features * 2**-23 * 4 (float32 accumulation over K);
vs PyTorch rtol 1e-4, atol 1e-5 * max|ref|.
"""
import numpy as np
import pytest

from cnnengine import _C

# (batch, in_features, out_features): LeNet, AlexNet/VGG classifier (scaled down), odd sizes
SHAPES = [(1, 1, 1), (1, 400, 120), (64, 120, 84), (3, 84, 10), (1, 2048, 1000), (5, 9216, 17), (7, 13, 33)]


@pytest.mark.parametrize("batch,fin,fout", SHAPES)
@pytest.mark.parametrize("relu", [False, True])
def test_linear_matches_reference_and_torch(rng, torch, batch, fin, fout, relu):
    x = rng.standard_normal((batch, fin), dtype=np.float32)
    weight = rng.standard_normal((fout, fin), dtype=np.float32)
    bias = rng.standard_normal(fout, dtype=np.float32)
    layer = _C.Linear(weight, bias)
    assert (layer.in_features, layer.out_features) == (fin, fout)
    y = layer.forward(x, relu=relu)
    ref = _C.linear_ref(x, weight, bias, relu=relu)
    scale = max(float(np.abs(ref).max()), 1.0)
    np.testing.assert_allclose(y, ref, rtol=0, atol=scale * fin * 2.0**-23 * 4)
    expected = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(weight), torch.from_numpy(bias))
    if relu:
        expected = torch.relu(expected)
    np.testing.assert_allclose(y, expected.numpy(), rtol=1e-4, atol=1e-5 * scale)


def test_linear_without_bias(rng):
    x = rng.standard_normal((2, 30), dtype=np.float32)
    weight = rng.standard_normal((7, 30), dtype=np.float32)
    np.testing.assert_allclose(_C.Linear(weight).forward(x), x.astype(np.float64) @ weight.T.astype(np.float64),
                               rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: _C.Linear(np.ones((3, 4), np.float16)), TypeError, "weight must be float32.*float16"),
        (lambda: _C.Linear(np.ones(4, np.float32)), ValueError, r"weight must be 2-D"),
        (lambda: _C.Linear(np.ones((3, 4), np.float32), np.ones(4, np.float32)), ValueError,
         r"bias must have shape \(3,\), got \(4,\)"),
        (lambda: _C.Linear(np.ones((3, 4), np.float32)).forward(np.ones((2, 5), np.float32)), ValueError,
         "input has 5 features, the weight expects 4"),
        (lambda: _C.Linear(np.ones((3, 4), np.float32)).forward(np.ones((2, 1, 4), np.float32)), ValueError,
         r"input must be 2-D \(N x in_features\)"),
        (lambda: _C.Linear(np.ones((3, 4), np.float32)).forward(np.ones((0, 4), np.float32)), ValueError, "empty"),
    ],
)
def test_bad_input_raises(make, error, match):
    with pytest.raises(error, match=match):
        make()
