"""Backward kernels of pooling, linear, training-mode batch norm, ReLU, dropout, LRN and the fused
softmax cross-entropy: against their *_ref twins, torch.autograd with the same inputs, and
float64 central finite differences, on awkward shapes."""
import numpy as np
import pytest

from cnnengine import _C
from gradcheck import assert_matches_finite_differences
from torch_pools import asymmetric_pool

TOL = dict(rtol=1e-4, atol=1e-5)


def torch_grads(torch, fn, dy, *arrays):
    """Gradients of sum(fn(*arrays) * dy) with respect to each array, by torch.autograd (float32)."""
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    fn(*tensors).backward(torch.tensor(dy))
    return [t.grad.numpy() for t in tensors]


def float64_loss(torch, fn, dy):
    """loss(a) = sum(fn(a) * dy) in float64, for finite differences."""
    dy64 = torch.tensor(dy, dtype=torch.float64)
    return lambda a: float((fn(torch.tensor(a)) * dy64).sum())


# ---- pooling ------------------------------------------------------------------------------------
MAX_CASES = [
    ((2, 3, 8, 8), dict(kernel_size=2, stride=2)),
    ((1, 5, 13, 13), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 3, 13, 11), dict(kernel_size=3, stride=(1, 2), dilation=(1, 2))),
    ((1, 7, 9, 9), dict(kernel_size=3, stride=1, padding=1)),  # overlapping windows
    ((1, 1, 1, 1), dict(kernel_size=1)),
]


@pytest.mark.parametrize("shape,kw", MAX_CASES)
def test_max_pool_backward(shape, kw, rng, torch):
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float32) / 7  # distinct values: one winner
    y, indices = _C.max_pool2d_train(x, **kw)
    np.testing.assert_array_equal(y, _C.max_pool2d(x, **kw))
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx = _C.max_pool2d_backward(dy, indices, x.shape)
    np.testing.assert_allclose(dx, _C.max_pool2d_backward_ref(x, dy, **kw), **TOL)
    fn = lambda t: torch.nn.functional.max_pool2d(t, **kw)  # noqa: E731
    np.testing.assert_allclose(dx, torch_grads(torch, fn, dy, x)[0], **TOL)
    assert_matches_finite_differences(dx, float64_loss(torch, fn, dy), x, rng)


def test_max_pool_ties_pick_the_first_winner_as_torch(torch):
    x = np.ones((1, 1, 4, 4), np.float32)
    y, indices = _C.max_pool2d_train(x, 2, 2)
    _, torch_indices = torch.nn.functional.max_pool2d(torch.tensor(x), 2, 2, return_indices=True)
    np.testing.assert_array_equal(indices, torch_indices.numpy())


def test_max_pool_winners_with_nan_and_minus_infinity_as_torch(torch):
    """A NaN wins its window (the last NaN when there are several), a window of -inf keeps its
    first element, padding never wins."""
    x = np.array([[[[1, np.nan, 3, -np.inf], [np.nan, 0, -np.inf, -np.inf], [2, 5, 5, 1], [-1, 7, 0, 7]]]],
                 np.float32)
    for kw in (dict(kernel_size=2, stride=2), dict(kernel_size=3, stride=1, padding=1)):
        y, indices = _C.max_pool2d_train(x, **kw)
        torch_y, torch_indices = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(indices, torch_indices.numpy())
        np.testing.assert_array_equal(y, torch_y.numpy())


WINNER_CASES = MAX_CASES + [
    ((3, 2, 28, 28), dict(kernel_size=2, stride=2)),  # LeNet
    ((1, 2, 9, 17), dict(kernel_size=2, stride=2, ceil_mode=True)),  # odd sides: a clipped last window
    ((2, 1, 11, 23), dict(kernel_size=(2, 3), stride=3, padding=1, ceil_mode=True)),
    ((1, 2, 10, 19), dict(kernel_size=3, stride=(2, 1), padding=(0, 1), dilation=2)),
    ((1, 1, 5, 4), dict(kernel_size=4, stride=1, padding=2)),  # every column meets padding
]


@pytest.mark.parametrize("shape,kw", WINNER_CASES)
def test_max_pool_train_winners_match_reference_and_torch(shape, kw, rng, torch):
    """Ties (values from a small set), NaN and -inf everywhere: same maxima and indices as the
    one-window-at-a-time twin and as torch."""
    x = rng.choice(np.array([0, 1, 2, 3, np.nan, -np.inf], np.float32), size=shape, p=[.3, .3, .2, .1, .05, .05])
    y, indices = _C.max_pool2d_train(x, **kw)
    ref_y, ref_indices = _C.max_pool2d_train_ref(x, **kw)
    np.testing.assert_array_equal(indices, ref_indices)
    np.testing.assert_array_equal(y, ref_y)
    torch_y, torch_indices = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(indices, torch_indices.numpy())
    np.testing.assert_array_equal(y, torch_y.numpy())


@pytest.mark.parametrize("kw", [dict(kernel_size=2, stride=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)])
def test_gated_max_pool_backward_is_relu_then_pool(kw, rng, torch):
    """Pool-then-ReLU with the pool's backward gated by its output gives ReLU-then-pool's dx, also
    where a whole window is <= 0 (zeros and ties included) or holds a NaN."""
    x = rng.choice(np.array([-2, -1, 0, 0.5, 1, 3], np.float32), size=(2, 3, 9, 11))
    x[0, 0, 0, 0] = np.nan
    pooled, indices = _C.max_pool2d_train(x, **kw)
    gate = _C.relu(pooled)
    relu_pooled, relu_indices = _C.max_pool2d_train(_C.relu(x), **kw)
    np.testing.assert_array_equal(gate, relu_pooled)
    dy = rng.standard_normal(gate.shape).astype(np.float32)
    fused = _C.max_pool2d_backward(dy, indices, x.shape, gate=gate)
    unfused = _C.relu_backward(_C.relu(x), _C.max_pool2d_backward(dy, relu_indices, x.shape))
    np.testing.assert_array_equal(fused, unfused)
    fn = lambda t: torch.nn.functional.max_pool2d(torch.relu(t), **kw)  # noqa: E731
    np.testing.assert_array_equal(fused, torch_grads(torch, fn, dy, x)[0])


@pytest.mark.parametrize("bad", [16, 99, -1])
def test_max_pool_backward_rejects_bad_indices(bad):
    dy = np.ones((2, 3, 2, 2), np.float32)
    indices = np.zeros((2, 3, 2, 2), np.int32)
    indices[1, 2, 1, 0] = bad
    with pytest.raises(ValueError, match="outside"):
        _C.max_pool2d_backward(dy, indices, (2, 3, 4, 4))


AVG_CASES = [
    ((2, 3, 8, 8), dict(kernel_size=2, stride=2)),
    ((1, 5, 14, 14), dict(kernel_size=5, stride=3)),  # GoogLeNet aux head
    ((1, 3, 7, 7), dict(kernel_size=3, stride=1, padding=1)),
    ((1, 3, 7, 7), dict(kernel_size=3, stride=1, padding=1, count_include_pad=False)),
    ((2, 3, 5, 5), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((1, 2, 13, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
]


@pytest.mark.parametrize("shape,kw", AVG_CASES)
def test_avg_pool_backward(shape, kw, rng, torch):
    x = rng.standard_normal(shape).astype(np.float32)
    dy = rng.standard_normal(_C.avg_pool2d(x, **kw).shape).astype(np.float32)
    dx = _C.avg_pool2d_backward(dy, x.shape, **kw)
    np.testing.assert_allclose(dx, _C.avg_pool2d_backward_ref(dy, x.shape, **kw), **TOL)
    fn = lambda t: torch.nn.functional.avg_pool2d(t, **kw)  # noqa: E731
    np.testing.assert_allclose(dx, torch_grads(torch, fn, dy, x)[0], **TOL)
    assert_matches_finite_differences(dx, float64_loss(torch, fn, dy), x, rng)


ASYMMETRIC_CASES = [  # padding (top, left, bottom, right), as ONNX pads allow
    ((1, 3, 7, 7), dict(kernel_size=7, stride=1, padding=(0, 0, 1, 1))),  # Inception-v1 pool5
    ((2, 2, 9, 8), dict(kernel_size=3, stride=2, padding=(1, 0, 0, 1))),
    ((1, 3, 8, 8), dict(kernel_size=(2, 3), stride=(3, 1), padding=(1, 1, 0, 0), ceil_mode=True)),
]


@pytest.mark.parametrize("shape,kw", ASYMMETRIC_CASES)
@pytest.mark.parametrize("name,extra", [("max_pool2d", {}), ("avg_pool2d", dict(count_include_pad=True)),
                                        ("avg_pool2d", dict(count_include_pad=False))], ids=["max", "avg-pad", "avg"])
def test_pool_backward_with_asymmetric_padding(shape, kw, name, extra, rng, torch):
    kw = dict(kw, **extra)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float32) / 7  # distinct values: one max
    if name == "max_pool2d":
        y, indices = _C.max_pool2d_train(x, **kw)
        dy = rng.standard_normal(y.shape).astype(np.float32)
        dx = _C.max_pool2d_backward(dy, indices, x.shape)
        np.testing.assert_allclose(dx, _C.max_pool2d_backward_ref(x, dy, **kw), **TOL)
    else:
        dy = rng.standard_normal(_C.avg_pool2d(x, **kw).shape).astype(np.float32)
        dx = _C.avg_pool2d_backward(dy, x.shape, **kw)
        np.testing.assert_allclose(dx, _C.avg_pool2d_backward_ref(dy, x.shape, **kw), **TOL)
    fn = lambda t: asymmetric_pool(torch, name, t, **kw)  # noqa: E731
    np.testing.assert_allclose(dx, torch_grads(torch, fn, dy, x)[0], **TOL)
    assert_matches_finite_differences(dx, float64_loss(torch, fn, dy), x, rng)


@pytest.mark.parametrize("shape,size", [((2, 3, 7, 7), (1, 1)), ((1, 2, 13, 11), (4, 3)), ((1, 2, 5, 5), (7, 7))])
def test_adaptive_avg_pool_backward(shape, size, rng, torch):
    x = rng.standard_normal(shape).astype(np.float32)
    dy = rng.standard_normal(shape[:2] + size).astype(np.float32)
    dx = _C.adaptive_avg_pool2d_backward(dy, x.shape)
    np.testing.assert_allclose(dx, _C.adaptive_avg_pool2d_backward_ref(dy, x.shape), **TOL)
    fn = lambda t: torch.nn.functional.adaptive_avg_pool2d(t, size)  # noqa: E731
    np.testing.assert_allclose(dx, torch_grads(torch, fn, dy, x)[0], **TOL)
    assert_matches_finite_differences(dx, float64_loss(torch, fn, dy), x, rng)


# ---- linear ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,in_f,out_f", [(1, 1, 1), (3, 7, 13), (64, 400, 120), (5, 1000, 10)])
def test_linear_backward(n, in_f, out_f, rng, torch):
    x = rng.standard_normal((n, in_f)).astype(np.float32)
    w = rng.standard_normal((out_f, in_f)).astype(np.float32) * 0.1
    dy = rng.standard_normal((n, out_f)).astype(np.float32)
    grads = _C.linear_backward(x, w, dy)
    for got, want in zip(grads, _C.linear_backward_ref(x, w, dy)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())
    b = np.zeros(out_f, np.float32)
    want = torch_grads(torch, lambda a, v, c: torch.nn.functional.linear(a, v, c), dy, x, w, b)
    for got, expected in zip(grads, want):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())
    w64 = torch.tensor(w, dtype=torch.float64)
    assert_matches_finite_differences(grads[0], float64_loss(torch, lambda t: t @ w64.T, dy), x, rng)


# ---- batch norm, training mode ------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3, 5, 5), (2, 13, 1, 1), (8, 7), (3, 1, 7, 9)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_train_forward_backward(shape, affine, rng, torch):
    c = shape[1]
    x = (rng.standard_normal(shape) * 3 + 1.5).astype(np.float32)
    weight = rng.standard_normal(c).astype(np.float32) if affine else None
    bias = rng.standard_normal(c).astype(np.float32) if affine else None
    running = [rng.standard_normal(c).astype(np.float32), rng.random(c).astype(np.float32) + 0.5]
    torch_running = [torch.tensor(r.copy()) for r in running]
    ref_running = [r.copy() for r in running]
    y, mean, invstd = _C.batch_norm_train(x, weight, bias, running[0], running[1], 1e-5, 0.1)
    y_ref, mean_ref, invstd_ref = _C.batch_norm_train_ref(x, weight, bias, ref_running[0], ref_running[1], 1e-5, 0.1)
    np.testing.assert_allclose(y, y_ref, **TOL)
    np.testing.assert_allclose(invstd, invstd_ref, rtol=1e-6)
    np.testing.assert_allclose(running[1], ref_running[1], rtol=1e-6)

    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True) if affine else None
    bt = torch.tensor(bias, requires_grad=True) if affine else None
    yt = torch.nn.functional.batch_norm(xt, *torch_running, wt, bt, training=True, momentum=0.1, eps=1e-5)
    np.testing.assert_allclose(y, yt.detach().numpy(), **TOL)
    for ours, theirs in zip(running, torch_running):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-5, atol=1e-6)

    dy = rng.standard_normal(shape).astype(np.float32)
    yt.backward(torch.tensor(dy))
    dx, dweight, dbias = _C.batch_norm_train_backward(x, dy, weight, mean, invstd)
    ref = _C.batch_norm_train_backward_ref(x, dy, weight, mean, invstd)
    for got, want in zip((dx, dweight, dbias), ref):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    if affine:
        np.testing.assert_allclose(dweight, wt.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(dbias, bt.grad.numpy(), rtol=1e-4, atol=1e-4)
    w64 = torch.tensor(weight, dtype=torch.float64) if affine else None
    fn = lambda t: torch.nn.functional.batch_norm(t, None, None, w64, None, training=True, eps=1e-5)  # noqa: E731
    assert_matches_finite_differences(dx, float64_loss(torch, fn, dy), x, rng)


def test_batch_norm_train_needs_two_values_per_channel():
    with pytest.raises(ValueError, match="more than one value"):
        _C.batch_norm_train(np.ones((1, 3, 1, 1), np.float32))


# ---- relu, dropout ----------------------------------------------------------------------------------
def test_relu_backward(rng):
    y = np.maximum(rng.standard_normal((3, 5, 7, 7)).astype(np.float32), 0)
    y[0, 0, 0, :3] = 0.0
    dy = rng.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_array_equal(_C.relu_backward(y, dy), np.where(y > 0, dy, 0))


def test_dropout_is_seeded_unbiased_and_its_backward_uses_the_mask(rng):
    x = rng.standard_normal((64, 1000)).astype(np.float32)
    y, mask = _C.dropout(x, 0.3, 7)
    y2, mask2 = _C.dropout(x, 0.3, 7)
    _, mask3 = _C.dropout(x, 0.3, 8)
    np.testing.assert_array_equal(mask, mask2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(mask, mask3)
    assert abs(mask.mean() - 0.7) < 0.01  # 64k Bernoulli(0.7) draws: 5 sigma = 0.009
    np.testing.assert_allclose(y, np.where(mask, x / 0.7, 0), rtol=1e-6)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    np.testing.assert_allclose(_C.dropout_backward(dy, mask, 0.3), np.where(mask, dy / 0.7, 0), rtol=1e-6)
    threads = _C.get_num_threads()
    _C.set_num_threads(1)
    try:
        np.testing.assert_array_equal(_C.dropout(x, 0.3, 7)[1], mask)  # same mask on any thread count
    finally:
        _C.set_num_threads(threads)


# ---- LRN ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,size", [((2, 7, 5, 5), 5), ((1, 13, 3, 3), 4), ((1, 3, 1, 1), 5), ((1, 1, 2, 2), 1)])
def test_lrn_backward(shape, size, rng, torch):
    x = rng.standard_normal(shape).astype(np.float32) * 3
    dy = rng.standard_normal(shape).astype(np.float32)
    args = dict(alpha=1e-2, beta=0.75, k=2.0)
    dx = _C.lrn_backward(x, dy, size, **args)
    np.testing.assert_allclose(dx, _C.lrn_backward_ref(x, dy, size, **args), **TOL)
    fn = lambda t: torch.nn.functional.local_response_norm(t, size, **args)  # noqa: E731
    np.testing.assert_allclose(dx, torch_grads(torch, fn, dy, x)[0], **TOL)
    assert_matches_finite_differences(dx, float64_loss(torch, fn, dy), x, rng)


# ---- softmax cross-entropy ------------------------------------------------------------------------
@pytest.mark.parametrize("n,classes", [(1, 1), (7, 10), (64, 1000)])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_softmax_cross_entropy(n, classes, smoothing, rng, torch):
    logits = (rng.standard_normal((n, classes)) * 4).astype(np.float32)
    labels = rng.integers(0, classes, n)
    loss, grad = _C.softmax_cross_entropy(logits, labels, smoothing)
    loss_ref, grad_ref = _C.softmax_cross_entropy_ref(logits, labels, smoothing)
    assert loss == pytest.approx(loss_ref, rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-5, atol=1e-8)
    zt = torch.tensor(logits, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor(labels), label_smoothing=smoothing)
    lt.backward()
    assert loss == pytest.approx(float(lt.detach()), rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-4, atol=1e-7)
    target = torch.tensor(labels)
    loss64 = lambda z: float(torch.nn.functional.cross_entropy(torch.tensor(z), target, label_smoothing=smoothing))  # noqa: E731
    assert_matches_finite_differences(grad, loss64, logits, rng, atol=1e-6)


def test_softmax_cross_entropy_rejects_bad_labels():
    with pytest.raises(ValueError, match="outside"):
        _C.softmax_cross_entropy(np.zeros((2, 3), np.float32), np.array([0, 3]))
    with pytest.raises(ValueError, match="labels"):
        _C.softmax_cross_entropy(np.zeros((2, 3), np.float32), np.array([0]))
