"""Conv2d's Winograd paths (winograd_f23 / f43 / f63) against their plain-loop twin
conv3x3_winograd_ref (same algorithm: only summation order and FMA contraction differ; the AVX-512
GEMM kernel also sums even and odd channels apart) and against
a float64 convolution, on awkward shapes: 1, 3, 7, 13 channels; 1x1 to 13x13 maps with partial
tiles; asymmetric and zero padding; batch > 1; bias, residual and ReLU.

Tolerances, relative to max|y|: vs the twin 2e-6 (F(2,3)), 2e-5 (F(4,3)), 5e-5 (F(6,3)); vs float64
the per-variant bounds of docs/winograd.md (measured errors there are 3-10x below them).
"""
import numpy as np
import pytest

from cnnengine import _C

TILES = {"winograd_f23": 2, "winograd_f43": 4, "winograd_f63": 6}
TWIN_RTOL = {"winograd_f23": 2e-6, "winograd_f43": 2e-5, "winograd_f63": 5e-5}
FLOAT64_RTOL = {"winograd_f23": 1e-5, "winograd_f43": 1e-4, "winograd_f63": 2e-4}

# (batch, cin, h, w, cout, padding)
SHAPES = [
    (1, 1, 1, 1, 1, 1),
    (1, 3, 2, 2, 5, 1),
    (2, 7, 5, 5, 13, 1),
    (1, 13, 7, 7, 7, 1),
    (1, 16, 13, 13, 24, 1),
    (3, 8, 9, 11, 20, 0),
    (1, 5, 12, 10, 6, (0, 1, 2, 1)),
    (2, 24, 14, 14, 30, 2),
    (1, 32, 17, 6, 64, 1),
    # transformed weights above 4 MB: one block of several panels for all images, its V shared by
    # the output-channel parts and transformed 8 tiles per task (the last group partial for F(4,3))
    (3, 272, 7, 7, 272, 1),
]


def conv3x3_float64(x, weight, bias, padding):
    """Cross-correlation in float64: sum over the 9 taps of W[:, :, ky, kx] @ shifted input."""
    top, left, bottom, right = (padding,) * 4 if isinstance(padding, int) else padding
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, cin, hp, wp = xp.shape
    oh, ow = hp - 2, wp - 2
    y = np.zeros((n, weight.shape[0], oh, ow))
    for ky in range(3):
        for kx in range(3):
            patch = xp[:, :, ky:ky + oh, kx:kx + ow]
            y += np.einsum("oc,nchw->nohw", weight[:, :, ky, kx].astype(np.float64), patch)
    return y + (0 if bias is None else bias[None, :, None, None])


def relative_error(actual, expected):
    return float(np.max(np.abs(actual - expected)) / max(np.max(np.abs(expected)), 1e-30))


@pytest.mark.parametrize("algorithm", list(TILES))
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s[:5])) + f"-p{s[5]}")
def test_winograd_matches_twin_and_float64(rng, shape, algorithm):
    n, cin, h, w, cout, padding = shape
    x = rng.standard_normal((n, cin, h, w), dtype=np.float32)
    weight = rng.standard_normal((cout, cin, 3, 3), dtype=np.float32)
    bias = rng.standard_normal(cout, dtype=np.float32)
    conv = _C.Conv2d(weight, bias, padding=padding, algorithm=algorithm)
    assert conv.algorithm == algorithm
    y = conv.forward(x)
    twin = _C.conv3x3_winograd_ref(x, weight, bias, padding=padding, tile=TILES[algorithm])
    exact = conv3x3_float64(x, weight, bias, padding)
    assert y.shape == exact.shape
    assert relative_error(y, twin) <= TWIN_RTOL[algorithm]
    assert relative_error(y, exact) <= FLOAT64_RTOL[algorithm]
    assert relative_error(twin, exact) <= FLOAT64_RTOL[algorithm]


@pytest.mark.parametrize("algorithm", list(TILES))
def test_fused_epilogue(rng, algorithm):
    x = rng.standard_normal((2, 9, 10, 7), dtype=np.float32)
    weight = rng.standard_normal((11, 9, 3, 3), dtype=np.float32)
    bias = rng.standard_normal(11, dtype=np.float32)
    residual = rng.standard_normal((2, 11, 10, 7), dtype=np.float32)
    y = _C.Conv2d(weight, bias, padding=1, algorithm=algorithm).forward(x, residual=residual, relu=True)
    expected = np.maximum(conv3x3_float64(x, weight, bias, 1) + residual, 0)
    assert y.min() == 0.0
    assert relative_error(y, expected) <= FLOAT64_RTOL[algorithm]
    twin = _C.conv3x3_winograd_ref(x, weight, bias, padding=1, tile=TILES[algorithm], residual=residual, relu=True)
    assert relative_error(y, twin) <= TWIN_RTOL[algorithm]


@pytest.mark.parametrize("algorithm", list(TILES))
@pytest.mark.parametrize("shape", [(1, 32, 30, 96), (3, 272, 7, 272)], ids=lambda s: "x".join(map(str, s)))
def test_result_does_not_depend_on_thread_count(rng, algorithm, shape):
    # Large enough to be split over tile blocks and output-channel ranges; each output is computed
    # by the same operations in every split, so the results are bitwise equal. The 272-channel
    # layer has over 4 MB of transformed weights and few tiles: at 2 threads its output-channel
    # parts share each block's V, transformed beforehand 8 tiles per task.
    n, cin, hw, cout = shape
    x = rng.standard_normal((n, cin, hw, hw), dtype=np.float32)
    weight = rng.standard_normal((cout, cin, 3, 3), dtype=np.float32)
    conv = _C.Conv2d(weight, None, padding=1, algorithm=algorithm)
    previous = _C.get_num_threads()
    try:
        _C.set_num_threads(1)
        serial = conv.forward(x)
        _C.set_num_threads(2)
        parallel = conv.forward(x)
    finally:
        _C.set_num_threads(previous)
    np.testing.assert_array_equal(serial, parallel)


@pytest.mark.parametrize("kwargs, message", [
    (dict(stride=2), "does not apply"),
    (dict(dilation=2), "does not apply"),
    (dict(groups=2), "does not apply"),
])
def test_winograd_refuses_shapes_it_cannot_run(kwargs, message):
    weight = np.ones((4, 4 // kwargs.get("groups", 1), 3, 3), np.float32)
    with pytest.raises(ValueError, match=message):
        _C.Conv2d(weight, algorithm="winograd_f43", **kwargs)
    with pytest.raises(ValueError, match="does not apply"):
        _C.Conv2d(np.ones((4, 4, 5, 5), np.float32), algorithm="winograd_f23")


def test_unknown_algorithm_is_named():
    with pytest.raises(ValueError, match="unknown conv algorithm 'winograd_f83'"):
        _C.Conv2d(np.ones((4, 4, 3, 3), np.float32), algorithm="winograd_f83")


def test_default_and_gemm_requests_resolve_by_shape():
    assert _C.Conv2d(np.ones((4, 4, 3, 3), np.float32), padding=1).algorithm == "gemm_im2col"
    assert _C.Conv2d(np.ones((4, 4, 1, 1), np.float32), algorithm="gemm").algorithm == "gemm_1x1"
    assert _C.Conv2d(np.ones((4, 1, 3, 3), np.float32), groups=4).algorithm == "depthwise_direct"
    assert _C.Conv2d(np.ones((4, 1, 3, 3), np.float32), groups=4, algorithm="gemm").algorithm == "gemm_im2col"
