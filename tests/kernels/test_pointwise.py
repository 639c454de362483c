"""Point-wise kernels of issue 7: activations and broadcasting binary ops against their *_ref
twins (double precision) and PyTorch, on awkward shapes; in place; bad arguments.

Tolerances: leaky_relu, clip, binary add/sub/mul/prelu: exact vs the twin (one rounding);
div: 1 ulp; sigmoid, tanh, hard_sigmoid, hard_swish: rtol 1e-6 / atol 1e-7 vs the twin and
rtol 1e-5 / atol 1e-6 vs torch (float32 exp/tanh differ by a few ulp)."""
import numpy as np
import pytest

from cnnengine import _C

SHAPES = [(1, 1, 1, 1), (3, 7, 5, 5), (2, 13, 13, 1), (1, 64, 56, 56)]
ACTIVATIONS = [("leaky_relu", 0.01, 0.0), ("leaky_relu", 0.2, 0.0), ("sigmoid", 0, 0), ("hard_sigmoid", 0.2, 0.5),
               ("hard_sigmoid", 1 / 6, 0.5), ("hard_swish", 0, 0), ("tanh", 0, 0), ("clip", 0.0, 6.0),
               ("clip", -1.5, 0.25)]


def torch_activation(torch, x, kind, alpha, beta):
    f = torch.nn.functional
    t = torch.from_numpy(x)
    return {"leaky_relu": lambda: f.leaky_relu(t, alpha), "sigmoid": lambda: torch.sigmoid(t),
            "hard_sigmoid": lambda: torch.clamp(alpha * t + beta, 0, 1), "hard_swish": lambda: f.hardswish(t),
            "tanh": lambda: torch.tanh(t), "clip": lambda: torch.clamp(t, alpha, beta)}[kind]().numpy()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kind,alpha,beta", ACTIVATIONS)
def test_activation_matches_twin_and_torch(torch, rng, shape, kind, alpha, beta):
    x = (rng.standard_normal(shape) * 5).astype(np.float32)
    y = _C.activation(x, kind, alpha, beta)
    np.testing.assert_allclose(y, _C.activation_ref(x, kind, alpha, beta), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(y, torch_activation(torch, x, kind, alpha, beta), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind,alpha,beta", ACTIVATIONS)
def test_activation_in_place_and_nan(kind, alpha, beta):
    x = np.array([np.nan, -3.0, 0.0, 2.5, 9.0], dtype=np.float32)
    expected = _C.activation_ref(x, kind, alpha, beta)
    assert np.isnan(expected[0])
    assert _C.activation(x, kind, alpha, beta, out=x) is x
    np.testing.assert_allclose(x, expected, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("kind,alpha,beta", ACTIVATIONS)
def test_activation_nan_inside_vector_blocks(kind, alpha, beta):
    x = np.linspace(-9, 9, 37, dtype=np.float32)
    x[[3, 16, 36]] = np.nan
    y = _C.activation(x, kind, alpha, beta)
    np.testing.assert_allclose(y, _C.activation_ref(x, kind, alpha, beta), rtol=1e-6, atol=1e-7, equal_nan=True)
    assert np.isnan(y[[3, 16, 36]]).all()


def test_activation_rejects_bad_arguments():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="activation kind must be one of"):
        _C.activation(x, "swish")
    with pytest.raises(ValueError, match="min must be <= max"):
        _C.activation(x, "clip", 1.0, 0.0)
    with pytest.raises(TypeError, match="float32"):
        _C.activation(x.astype(np.float64), "tanh")


# (a shape, b shape): same shape, per-channel (C,1,1), SE gate (N,C,1,1), scalar, a row vector, b
# broadcasting a over the batch-free axes, and both operands broadcasting.
BROADCASTS = [((3, 7, 5, 5), (3, 7, 5, 5)), ((3, 7, 5, 5), (7, 1, 1)), ((2, 13, 9, 9), (2, 13, 1, 1)),
              ((2, 13, 9, 9), ()), ((3, 7, 5, 11), (11,)), ((2, 1, 5, 1), (2, 3, 1, 4)),
              ((2, 64, 56, 56), (1, 64, 1, 1)), ((2, 13, 1, 1), (2, 13, 9, 9))]


@pytest.mark.parametrize("a_shape,b_shape", BROADCASTS, ids=str)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "prelu"])
def test_binary_matches_twin_and_numpy(rng, a_shape, b_shape, op):
    a = rng.standard_normal(a_shape).astype(np.float32)
    b = np.asarray(rng.uniform(0.5, 2.0, b_shape) * rng.choice([-1, 1], b_shape), dtype=np.float32)
    y = _C.binary(a, b, op)
    expected = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b, "prelu": np.where(a < 0, a * b, a)}[op]
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, _C.binary_ref(a, b, op), rtol=1.2e-7, atol=0)
    np.testing.assert_allclose(y, expected, rtol=1.2e-7, atol=0)


def test_binary_in_place_on_the_full_operand(rng):
    x = rng.standard_normal((2, 8, 4, 4)).astype(np.float32)
    gate = rng.standard_normal((2, 8, 1, 1)).astype(np.float32)
    expected = gate * x
    assert _C.binary(gate, x, "mul", out=x) is x
    np.testing.assert_array_equal(x, expected)
    memory = np.zeros(x.size + 16, np.float32)
    shifted_input, shifted_out = memory[:x.size].reshape(x.shape), memory[16:].reshape(x.shape)
    with pytest.raises(ValueError, match="overlaps"):
        _C.binary(shifted_input, gate, "mul", out=shifted_out)


def test_binary_rejects_bad_arguments():
    a = np.ones((2, 3, 4, 4), np.float32)
    with pytest.raises(ValueError, match="do not broadcast"):
        _C.binary(a, np.ones((5,), np.float32), "add")
    with pytest.raises(ValueError, match="binary op must be one of"):
        _C.binary(a, a, "pow")
