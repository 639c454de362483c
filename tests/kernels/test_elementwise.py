"""Element-wise kernels (relu, add, batch norm + folding, softmax, LRN, concat) against their
*_ref twins and against PyTorch, on awkward shapes, plus argument validation.

Tolerances:
- relu, add, concat: exact (no arithmetic beyond one float add per element).
- batch_norm vs batch_norm_ref and torch: rtol 1e-5, atol 1e-6 (precomputed scale/shift vs the
  textbook formula differ by a few ulp).
- softmax vs softmax_ref and torch: rtol 1e-5, atol 1e-7.
- lrn vs lrn_ref: rtol 1e-6 (the kernel's contract); vs torch (float32 pow): rtol 1e-5, atol 1e-7.
- folded conv vs conv + batch norm (both float32 convolutions in torch): rtol 1e-4, atol 1e-5.
"""
import numpy as np
import pytest

from cnnengine import _C

# N x C x H x W: channels 1, 3, 7, 13, 64; maps 1x1, 5x5, 13x13; batch 1 and 3. The last shape
# (200k elements) is large enough to be split across the 2 test threads.
SHAPES = [(1, 1, 1, 1), (3, 3, 5, 5), (1, 7, 13, 13), (3, 13, 1, 1), (1, 64, 5, 5), (3, 64, 13, 13),
          (1, 64, 56, 56)]
SHAPE_IDS = ["x".join(map(str, s)) for s in SHAPES]

# (size, alpha, beta, k): AlexNet, GoogLeNet (Caffe), then strong normalisation so that window
# mistakes show, even and odd sizes, every power path (0.75, 0.5, 1, general), size > C.
LRN_PARAMS = [(5, 1e-4, 0.75, 2.0), (5, 1e-4, 0.75, 1.0), (3, 0.5, 0.75, 1.0), (4, 2.0, 0.6, 0.5),
              (20, 1.0, 1.0, 1.0), (1, 1.0, 0.5, 1.0), (2, 3.0, 0.75, 0.1)]


def randn(rng, shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def bn_params(rng, channels):
    mean = randn(rng, channels)
    var = rng.uniform(0.1, 2.0, channels).astype(np.float32)
    weight = randn(rng, channels)
    bias = randn(rng, channels)
    return mean, var, weight, bias


# ---------------------------------------------------------------- relu / add

@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_relu_matches_torch(torch, rng, shape):
    x = randn(rng, shape)
    expected = torch.relu(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(_C.relu(x), expected)
    y = x.copy()
    assert _C.relu_(y) is y
    np.testing.assert_array_equal(y, expected)


def test_relu_any_rank_and_strided_input(rng):
    x = randn(rng, (4, 9, 6))
    np.testing.assert_array_equal(_C.relu(x[:, ::2, 1:]), np.maximum(x[:, ::2, 1:], 0))
    v = randn(rng, 37)
    np.testing.assert_array_equal(_C.relu(v), np.maximum(v, 0))


def test_relu_propagates_nan():
    x = np.array([np.nan, -1.0, 2.0, -np.inf, np.inf], dtype=np.float32)
    np.testing.assert_array_equal(_C.relu(x), [np.nan, 0.0, 2.0, 0.0, np.inf])


def test_relu_inplace_rejects_views_and_read_only(rng):
    x = randn(rng, (2, 6, 4, 4))
    with pytest.raises(ValueError, match="relu_ input must be C-contiguous"):
        _C.relu_(x[:, ::2])
    x.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        _C.relu_(x)
    with pytest.raises(TypeError, match="float32"):
        _C.relu_(np.zeros((2, 3)))


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("relu", [False, True])
def test_add_matches_torch(torch, rng, shape, relu):
    a, b = randn(rng, shape), randn(rng, shape)
    expected = torch.from_numpy(a) + torch.from_numpy(b)
    if relu:
        expected = torch.relu(expected)
    np.testing.assert_array_equal(_C.add(a, b, relu=relu), expected.numpy())


def test_add_rejects_bad_input(rng):
    a = randn(rng, (2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"add b \(the shape of a\) must have shape \(2, 3, 4, 4\), got \(2, 3, 4, 5\)"):
        _C.add(a, randn(rng, (2, 3, 4, 5)))
    with pytest.raises(TypeError, match="add b must be float32"):
        _C.add(a, a.astype(np.float64))
    with pytest.raises(ValueError, match="add a is empty"):
        _C.add(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32))


# ---------------------------------------------------------------- batch norm

@pytest.mark.parametrize("shape", SHAPES + [(3, 13), (1, 64), (5, 1)],
                         ids=SHAPE_IDS + ["3x13", "1x64", "5x1"])
def test_batch_norm_matches_ref_and_torch(torch, rng, shape):
    x = randn(rng, shape, 3.0)
    mean, var, weight, bias = bn_params(rng, shape[1])
    eps = 1e-3
    got = _C.batch_norm(x, mean, var, weight, bias, eps=eps)
    np.testing.assert_allclose(got, _C.batch_norm_ref(x, mean, var, weight, bias, eps=eps), rtol=1e-5, atol=1e-6)
    t = torch.from_numpy
    expected = torch.nn.functional.batch_norm(t(x), t(mean), t(var), t(weight), t(bias), training=False, eps=eps)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-6)


def test_batch_norm_without_affine(torch, rng):
    x = randn(rng, (2, 7, 5, 5))
    mean, var, _, _ = bn_params(rng, 7)
    expected = torch.nn.functional.batch_norm(torch.from_numpy(x), torch.from_numpy(mean), torch.from_numpy(var),
                                              training=False).numpy()
    np.testing.assert_allclose(_C.batch_norm(x, mean, var), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_C.batch_norm_ref(x, mean, var, None, None), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["batch_norm", "batch_norm_ref"])
def test_batch_norm_rejects_bad_input(rng, fn):
    op = getattr(_C, fn)
    x = randn(rng, (2, 7, 5, 5))
    mean, var, weight, bias = bn_params(rng, 7)
    with pytest.raises(ValueError, match=r"batch_norm input must be 2-D \(N x C\) or 4-D .* got shape \(7, 5, 5\)"):
        op(x[0], mean, var, weight, bias)
    with pytest.raises(TypeError, match="batch_norm input must be float32"):
        op(x.astype(np.float64), mean, var, weight, bias)
    with pytest.raises(ValueError, match="batch_norm input is empty"):
        op(np.zeros((0, 7), np.float32), mean, var, weight, bias)
    with pytest.raises(ValueError, match=r"batch_norm var must have shape \(7,\), got \(6,\)"):
        op(x, mean, var[:6], weight, bias)
    with pytest.raises(ValueError, match=r"batch_norm bias must have shape \(7,\), got \(8,\)"):
        op(x, mean, var, weight, np.zeros(8, np.float32))
    with pytest.raises(ValueError, match=r"batch_norm mean must be 1-D"):
        op(x, mean[None], var, weight, bias)
    with pytest.raises(ValueError, match="batch_norm mean is required"):
        op(x, None, var, weight, bias)
    with pytest.raises(ValueError, match="batch_norm eps must be a finite number >= 0"):
        op(x, mean, var, weight, bias, eps=-1.0)


@pytest.mark.parametrize("groups,with_bias", [(1, True), (1, False), (3, True), (6, False)])
def test_fold_batch_norm_into_conv(torch, rng, groups, with_bias):
    cin, cout = 6, 12
    x = randn(rng, (2, cin, 9, 9))
    w = randn(rng, (cout, cin // groups, 3, 3), 0.3)
    b = randn(rng, cout) if with_bias else None
    mean, var, weight, bias = bn_params(rng, cout)
    eps = 1e-5
    new_w, new_b = _C.fold_batch_norm(w, b, mean, var, weight, bias, eps=eps)
    assert new_w.shape == w.shape and new_b.shape == (cout,)
    assert new_w.dtype == np.float32 and new_b.dtype == np.float32
    t = torch.from_numpy
    conv = torch.nn.functional.conv2d(t(x), t(w), None if b is None else t(b), padding=1, groups=groups)
    expected = torch.nn.functional.batch_norm(conv, t(mean), t(var), t(weight), t(bias), training=False, eps=eps)
    folded = torch.nn.functional.conv2d(t(x), t(new_w), t(new_b), padding=1, groups=groups)
    np.testing.assert_allclose(folded.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_fold_batch_norm_into_dense(torch, rng):
    x, w, b = randn(rng, (4, 10)), randn(rng, (5, 10)), randn(rng, 5)
    mean, var, weight, bias = bn_params(rng, 5)
    new_w, new_b = _C.fold_batch_norm(w, b, mean, var, weight, bias)
    t = torch.from_numpy
    expected = torch.nn.functional.batch_norm(t(x @ w.T + b), t(mean), t(var), t(weight), t(bias), training=False)
    np.testing.assert_allclose(x @ new_w.T + new_b, expected.numpy(), rtol=1e-4, atol=1e-5)


def test_fold_batch_norm_rejects_bad_input(rng):
    w = randn(rng, (4, 3, 3, 3))
    mean, var, weight, bias = bn_params(rng, 4)
    with pytest.raises(ValueError, match=r"conv_weight must be 4-D .* got shape \(4, 3, 9\)"):
        _C.fold_batch_norm(w.reshape(4, 3, 9), None, mean, var, weight, bias)
    with pytest.raises(ValueError, match=r"fold_batch_norm conv_bias must have shape \(4,\), got \(3,\)"):
        _C.fold_batch_norm(w, np.zeros(3, np.float32), mean, var, weight, bias)
    with pytest.raises(ValueError, match=r"fold_batch_norm weight must have shape \(4,\), got \(5,\)"):
        _C.fold_batch_norm(w, None, mean, var, np.ones(5, np.float32), bias)
    with pytest.raises(ValueError, match="fold_batch_norm eps must be a finite number"):
        _C.fold_batch_norm(w, None, mean, var, weight, bias, eps=float("nan"))
    with pytest.raises(TypeError, match="fold_batch_norm conv_weight must be float32"):
        _C.fold_batch_norm(w.astype(np.float64), None, mean, var, weight, bias)



def test_fold_batch_norm_in_place_and_into_out_weight(rng):
    """out_weight=conv_weight folds in place (the model loader's path): bit-identical results."""
    w, b = randn(rng, (7, 3, 5, 5)), randn(rng, 7)
    mean, var, weight, bias = bn_params(rng, 7)
    expected_w, expected_b = _C.fold_batch_norm(w, b, mean, var, weight, bias)
    out = np.empty_like(w)
    new_w, new_b = _C.fold_batch_norm(w, b, mean, var, weight, bias, out_weight=out)
    assert new_w is out
    np.testing.assert_array_equal(out, expected_w)
    np.testing.assert_array_equal(new_b, expected_b)
    new_w, _ = _C.fold_batch_norm(w, b, mean, var, weight, bias, out_weight=w)
    assert new_w is w
    np.testing.assert_array_equal(w, expected_w)
    with pytest.raises(ValueError, match="fold_batch_norm out_weight"):
        _C.fold_batch_norm(w, b, mean, var, weight, bias, out_weight=np.empty((7, 3, 5, 4), np.float32))
    with pytest.raises(ValueError, match="fold_batch_norm conv_weight"):  # a partial overlap
        _C.fold_batch_norm(w[1:], b[1:], mean[1:], var[1:], weight[1:], bias[1:], out_weight=w[:-1])

# ---------------------------------------------------------------- softmax

@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_softmax_over_channels(torch, rng, shape):
    x = randn(rng, shape, 4.0)
    got = _C.softmax(x)
    np.testing.assert_allclose(got, _C.softmax_ref(x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got, torch.softmax(torch.from_numpy(x), dim=1).numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape,axis", [((1, 1000), 1), ((3, 10), -1), ((5, 7), 0), ((64, 3), 1),
                                        ((2, 3, 5, 5), 3), ((3, 4, 13, 2), -2), ((3, 4, 2, 2), 0)])
def test_softmax_axes(torch, rng, shape, axis):
    x = randn(rng, shape, 4.0)
    got = _C.softmax(x, axis=axis)
    np.testing.assert_allclose(got, _C.softmax_ref(x, axis=axis), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got, torch.softmax(torch.from_numpy(x), dim=axis).numpy(), rtol=1e-5, atol=1e-7)


def test_softmax_is_stable_for_large_inputs(torch, rng):
    for shape in [(2, 100), (2, 13, 5, 5)]:
        x = randn(rng, shape, 1000.0)
        got = _C.softmax(x)
        assert np.isfinite(got).all()
        np.testing.assert_allclose(got, torch.softmax(torch.from_numpy(x), dim=1).numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn", ["softmax", "softmax_ref"])
def test_softmax_rejects_bad_input(rng, fn):
    op = getattr(_C, fn)
    with pytest.raises(ValueError, match=r"softmax input must be 2-D \(N x C\) or 4-D"):
        op(randn(rng, (2, 3, 4)))
    with pytest.raises(TypeError, match="softmax input must be float32"):
        op(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="softmax input is empty"):
        op(np.zeros((2, 0), np.float32))
    with pytest.raises(ValueError, match=r"softmax axis must be in \[-2, 2\) for a 2-D input, got 2"):
        op(randn(rng, (2, 3)), axis=2)
    with pytest.raises(ValueError, match=r"softmax axis must be in \[-4, 4\) for a 4-D input, got -5"):
        op(randn(rng, (2, 3, 1, 1)), axis=-5)


# ---------------------------------------------------------------- LRN

@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("params", LRN_PARAMS, ids=lambda p: "size%d-a%g-b%g-k%g" % p)
def test_lrn_matches_ref_and_torch(torch, rng, shape, params):
    size, alpha, beta, k = params
    x = randn(rng, shape, 2.0)
    got = _C.lrn(x, size, alpha=alpha, beta=beta, k=k)
    np.testing.assert_allclose(got, _C.lrn_ref(x, size, alpha=alpha, beta=beta, k=k), rtol=1e-6, atol=1e-12)
    expected = torch.nn.functional.local_response_norm(torch.from_numpy(x), size, alpha=alpha, beta=beta, k=k)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-7)


def test_lrn_defaults_match_torch(torch, rng):
    x = randn(rng, (2, 16, 7, 7), 10.0)
    expected = torch.nn.functional.local_response_norm(torch.from_numpy(x), 5, alpha=1e-4, beta=0.75, k=1.0)
    np.testing.assert_allclose(_C.lrn(x, 5), expected.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("fn", ["lrn", "lrn_ref"])
def test_lrn_rejects_bad_input(rng, fn):
    op = getattr(_C, fn)
    x = randn(rng, (1, 4, 3, 3))
    with pytest.raises(ValueError, match=r"lrn input must be 4-D \(N x C x H x W\), got shape \(4, 9\)"):
        op(x.reshape(4, 9), 5)
    with pytest.raises(TypeError, match="lrn input must be float32"):
        op(x.astype(np.float64), 5)
    with pytest.raises(ValueError, match="lrn input is empty"):
        op(np.zeros((1, 0, 3, 3), np.float32), 5)
    with pytest.raises(ValueError, match="lrn size must be >= 1, got 0"):
        op(x, 0)
    with pytest.raises(ValueError, match="lrn beta must be finite"):
        op(x, 5, beta=float("inf"))


# ---------------------------------------------------------------- concat

@pytest.mark.parametrize("batch,hw", [(1, 1), (3, 5), (1, 13), (2, 56)])
def test_concat_channels_matches_torch(torch, rng, batch, hw):
    parts = [randn(rng, (batch, c, hw, hw)) for c in (1, 3, 7, 13, 64)]
    expected = torch.cat([torch.from_numpy(p) for p in parts], dim=1).numpy()
    np.testing.assert_array_equal(_C.concat(parts), expected)
    np.testing.assert_array_equal(_C.concat(tuple(parts), axis=-3), expected)


@pytest.mark.parametrize("shapes,axis", [([(3, 7), (3, 1), (3, 13)], 1), ([(2, 5), (4, 5)], 0),
                                         ([(2, 3, 5, 5), (2, 3, 1, 5)], 2), ([(1, 2, 3, 4), (1, 2, 3, 2)], -1),
                                         ([(3, 2, 2, 2)], 1)])
def test_concat_other_axes(rng, shapes, axis):
    parts = [randn(rng, s) for s in shapes]
    np.testing.assert_array_equal(_C.concat(parts, axis=axis), np.concatenate(parts, axis=axis))


def test_concat_accepts_strided_inputs(rng):
    a, b = randn(rng, (2, 6, 4, 4)), randn(rng, (2, 3, 4, 8))
    np.testing.assert_array_equal(_C.concat([a[:, ::2], b[..., ::2]]),
                                  np.concatenate([a[:, ::2], b[..., ::2]], axis=1))


def test_concat_rejects_bad_input(rng):
    a = randn(rng, (2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"concat input 1 has shape \(2, 4, 5, 6\) but input 0 has shape "
                                         r"\(2, 3, 5, 5\): all dimensions except axis 1 must match"):
        _C.concat([a, randn(rng, (2, 4, 5, 6))])
    with pytest.raises(ValueError, match=r"concat input 2 has shape \(2, 3\) but input 0 has shape \(2, 3, 5, 5\)"):
        _C.concat([a, a, randn(rng, (2, 3))])
    with pytest.raises(ValueError, match="concat input 1 must be 2-D .* or 4-D"):
        _C.concat([a, randn(rng, (2, 3, 5))])
    with pytest.raises(TypeError, match="concat input 1 must be float32"):
        _C.concat([a, a.astype(np.float64)])
    with pytest.raises(ValueError, match="concat input 0 is empty"):
        _C.concat([np.zeros((2, 0, 5, 5), np.float32), a])
    with pytest.raises(ValueError, match="concat needs at least one input"):
        _C.concat([])
    with pytest.raises(TypeError, match="concat takes a list or tuple"):
        _C.concat(a)
    with pytest.raises(ValueError, match=r"concat axis must be in \[-4, 4\) for a 4-D input, got 4"):
        _C.concat([a, a], axis=4)
