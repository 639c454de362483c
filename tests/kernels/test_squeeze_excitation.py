"""SqueezeExcitation (the fused gate of passes.fuse_squeeze_excitation) against its plain-loop twin
squeeze_excitation_ref and against the PyTorch composition it replaces (mean, 1x1 convs as
linear layers, gate activation, channel multiply)."""
import numpy as np
import pytest

from cnnengine import _C
from cnnengine.runtime import calling_thread_num_threads

GATES = {("hard_sigmoid", 1 / 6, 0.5): lambda torch, g: torch.nn.functional.hardsigmoid(g),
         ("sigmoid", 0.0, 0.0): lambda torch, g: torch.sigmoid(g)}


def torch_squeeze_excitation(torch, x, w1, b1, w2, b2, relu, gate):
    xt = torch.from_numpy(x)
    h = torch.nn.functional.linear(xt.mean(dim=(2, 3)), torch.from_numpy(w1), None if b1 is None else torch.from_numpy(b1))
    h = torch.relu(h) if relu else h
    g = torch.nn.functional.linear(h, torch.from_numpy(w2), None if b2 is None else torch.from_numpy(b2))
    return (xt * GATES[gate](torch, g)[:, :, None, None]).numpy()


def assert_matches_reference_and_torch(torch, y, x, w1, b1, w2, b2, relu, gate):
    ref = _C.squeeze_excitation_ref(x, w1, b1, w2, b2, relu, gate)
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(y, torch_squeeze_excitation(torch, x, w1, b1, w2, b2, relu, gate), rtol=1e-4,
                               atol=1e-5 * scale)


@pytest.mark.parametrize("shape", [(1, 16, 7, 7, 4), (3, 13, 5, 3, 5), (2, 40, 1, 1, 8), (1, 24, 28, 28, 6)], ids=str)
@pytest.mark.parametrize("gate", list(GATES), ids=lambda g: g[0])
@pytest.mark.parametrize("relu, with_bias", [(True, True), (False, False)])
def test_squeeze_excitation_matches_reference_and_torch(rng, torch, shape, gate, relu, with_bias):
    n, c, h, w, hidden = shape
    x = (rng.standard_normal((n, c, h, w)) * 3).astype(np.float32)
    w1, w2 = (rng.standard_normal(s).astype(np.float32) for s in ((hidden, c), (c, hidden)))
    b1, b2 = (rng.standard_normal(s).astype(np.float32) if with_bias else None for s in (hidden, c))
    se = _C.SqueezeExcitation(w1, b1, w2, b2, relu, gate)
    y = se.forward(x)
    assert_matches_reference_and_torch(torch, y, x, w1, b1, w2, b2, relu, gate)
    out = x.copy()
    assert se.forward(out, out=out) is out  # in place, as the executor may run it
    np.testing.assert_array_equal(out, y)


def test_squeeze_excitation_rejects_bad_arguments(rng):
    w1, w2 = rng.standard_normal((3, 8)).astype(np.float32), rng.standard_normal((8, 3)).astype(np.float32)
    gate = ("hard_sigmoid", 1 / 6, 0.5)
    with pytest.raises(ValueError, match="expand_weight"):
        _C.SqueezeExcitation(w1, None, w2[:, :2], None, True, gate)
    with pytest.raises(ValueError, match="reduce_bias"):
        _C.SqueezeExcitation(w1, np.zeros(4, np.float32), w2, None, True, gate)
    with pytest.raises(ValueError, match="activation|kind"):
        _C.SqueezeExcitation(w1, None, w2, None, True, ("swoosh", 0.0, 0.0))
    se = _C.SqueezeExcitation(w1, None, w2, None, True, gate)
    with pytest.raises(ValueError, match="7 channels, expected 8"):
        se.forward(np.zeros((1, 7, 2, 2), np.float32))
    with pytest.raises(ValueError, match="out"):
        se.forward(np.zeros((1, 8, 2, 2), np.float32), out=np.zeros((1, 8, 2, 3), np.float32))
    buffer = np.zeros(40, np.float32)  # out overlapping the input partly: refused, not computed wrongly
    with pytest.raises(ValueError, match="squeeze_excitation input"):
        se.forward(buffer[:32].reshape(1, 8, 2, 2), out=buffer[4:36].reshape(1, 8, 2, 2))


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("shape", [(1, 37, 30, 30, 5), (1, 300, 9, 9, 70), (1, 576, 7, 7, 144)], ids=str)
def test_squeeze_excitation_split_across_threads_matches_reference(rng, torch, shape, threads):
    """Batch 1 with enough work splits the pooling, both GEMVs and the scaling over the threads
    (channel ranges that do not start on a 16-channel panel included)."""
    n, c, h, w, hidden = shape
    x = (rng.standard_normal((n, c, h, w)) * 3).astype(np.float32)
    w1, w2 = (rng.standard_normal(s).astype(np.float32) for s in ((hidden, c), (c, hidden)))
    b1, b2 = (rng.standard_normal(s).astype(np.float32) for s in (hidden, c))
    gate = ("hard_sigmoid", 1 / 6, 0.5)
    se = _C.SqueezeExcitation(w1, b1, w2, b2, True, gate)
    with calling_thread_num_threads(threads):
        y = se.forward(x)
    assert_matches_reference_and_torch(torch, y, x, w1, b1, w2, b2, True, gate)
