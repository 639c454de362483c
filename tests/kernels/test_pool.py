"""Pooling kernels (max_pool2d, avg_pool2d, adaptive_avg_pool2d) against their *_ref twins and
torch.nn.functional on awkward shapes and every configuration the model zoo uses.

Tolerances: max pooling selects an input value, so it must match to atol 1e-6 (it is exact in
practice). Averages are float32 sums in a different order than PyTorch's (the twins sum in double),
so they match to rtol 1e-5 with atol 1e-6 for results near zero.
"""
import numpy as np
import pytest

from cnnengine import _C
from torch_pools import asymmetric_pool

MAX_TOL = dict(rtol=0, atol=1e-6)
AVG_TOL = dict(rtol=1e-5, atol=1e-6)

# (input shape N x C x H x W, keyword arguments) — zoo configurations first, then edge cases.
MAX_CASES = [
    ((2, 6, 28, 28), dict(kernel_size=2, stride=2)),  # LeNet
    ((1, 13, 10, 10), dict(kernel_size=2)),  # LeNet, stride defaults to kernel_size
    ((1, 7, 55, 55), dict(kernel_size=3, stride=2)),  # AlexNet
    ((2, 13, 13, 13), dict(kernel_size=3, stride=2, ceil_mode=False)),  # AlexNet
    ((1, 3, 112, 112), dict(kernel_size=2, stride=2)),  # VGG
    ((1, 13, 112, 112), dict(kernel_size=3, stride=2, ceil_mode=True)),  # GoogLeNet
    ((1, 7, 13, 13), dict(kernel_size=3, stride=2, ceil_mode=True)),  # GoogLeNet
    ((1, 7, 14, 14), dict(kernel_size=2, stride=2, ceil_mode=True)),  # GoogLeNet
    ((1, 7, 28, 28), dict(kernel_size=3, stride=1, padding=1)),  # GoogLeNet inception branch
    # the same on 14 x 14 and 7 x 7 (rows ending in an overlapping vector; rows under 8 floats)
    ((1, 7, 14, 14), dict(kernel_size=3, stride=1, padding=1, ceil_mode=True)),
    ((2, 5, 7, 7), dict(kernel_size=3, stride=1, padding=1, ceil_mode=True)),
    # the whole-plane 3x3 "same" kernel: widths under a vector, one row, a 1 x 1 plane, a width
    # of a vector and one more (overlapping last vector)
    ((1, 3, 1, 1), dict(kernel_size=3, stride=1, padding=1)),
    ((2, 4, 5, 3), dict(kernel_size=3, stride=1, padding=1)),
    ((1, 2, 1, 9), dict(kernel_size=3, stride=1, padding=1)),
    ((1, 5, 9, 17), dict(kernel_size=3, stride=1, padding=1)),
    # 2x2 stride-2 windows tiling even planes: all planes pooled as one (rows of 2, 4, 8 and 14
    # floats through masked loads, 16 and more by whole vectors, 18 and 30 ending with an
    # overlapping step), threaded over row ranges that end inside planes
    ((3, 37, 10, 10), dict(kernel_size=2, stride=2)),
    ((1, 5, 2, 2), dict(kernel_size=2)),
    ((2, 3, 4, 4), dict(kernel_size=2, ceil_mode=True)),
    ((1, 1, 6, 8), dict(kernel_size=2)),
    ((1, 7, 14, 14), dict(kernel_size=2)),
    ((1, 3, 16, 16), dict(kernel_size=2)),
    ((1, 3, 2, 18), dict(kernel_size=2)),
    ((2, 9, 30, 30), dict(kernel_size=2)),
    ((8, 64, 14, 14), dict(kernel_size=2)),
    ((1, 64, 112, 112), dict(kernel_size=3, stride=2, padding=1)),  # ResNet (threaded)
    ((2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1)),  # ResNet, batch 2
    ((1, 1, 1, 1), dict(kernel_size=1)),
    ((1, 3, 1, 1), dict(kernel_size=2, stride=2, ceil_mode=True)),
    ((1, 1, 5, 5), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 3, 6, 6), dict(kernel_size=3, stride=2, ceil_mode=True)),  # last window past the edge
    ((1, 7, 13, 13), dict(kernel_size=3, stride=1, padding=1, dilation=2)),
    ((1, 3, 13, 13), dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)),
    ((1, 3, 13, 11), dict(kernel_size=3, stride=(1, 2), dilation=(1, 2))),
    ((1, 3, 2, 2), dict(kernel_size=2, padding=1, dilation=3)),  # all-padding window: -inf
    ((2, 7, 13, 9), dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0))),
    ((1, 13, 7, 7), dict(kernel_size=(3, 1), stride=(2, 1), padding=(1, 0), ceil_mode=True)),
    ((1, 3, 13, 13), dict(kernel_size=5, stride=3, padding=2, ceil_mode=True)),  # runtime stride path
]

AVG_CASES = [
    ((2, 6, 28, 28), dict(kernel_size=2, stride=2)),  # LeNet
    ((1, 3, 112, 112), dict(kernel_size=2, stride=2)),  # VGG-style 2x2 s2
    ((1, 13, 14, 14), dict(kernel_size=5, stride=3)),  # GoogLeNet auxiliary head
    ((1, 7, 13, 13), dict(kernel_size=3, stride=1, padding=1)),
    ((1, 7, 13, 13), dict(kernel_size=3, stride=1, padding=1, count_include_pad=False)),
    ((1, 1, 1, 1), dict(kernel_size=1)),
    ((1, 3, 1, 1), dict(kernel_size=2, stride=2, ceil_mode=True)),
    ((1, 3, 5, 5), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 3, 5, 5), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((2, 7, 6, 6), dict(kernel_size=3, stride=2, ceil_mode=True)),  # window past the padded edge
    ((1, 3, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 13, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=False, count_include_pad=False)),
    ((2, 7, 13, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
    ((2, 7, 13, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), count_include_pad=False)),
    ((1, 3, 13, 13), dict(kernel_size=5, stride=3, padding=2, ceil_mode=True, count_include_pad=False)),
]

ADAPTIVE_CASES = [
    ((1, 13, 7, 7), (1, 1)),  # ResNet global average
    ((2, 7, 7, 7), 1),  # batch > 1, int output_size
    ((1, 64, 56, 56), (1, 1)),  # threaded global average
    ((1, 3, 112, 112), (1, 1)),  # long float32 sums
    ((1, 1, 1, 1), (1, 1)),
    ((1, 3, 13, 13), (1, 1)),
    ((1, 7, 7, 7), (3, 3)),  # windows of 3 that overlap
    ((1, 3, 5, 5), (2, 4)),
    ((2, 13, 13, 13), (6, 6)),  # AlexNet on a 13x13 map
    ((1, 3, 6, 6), (6, 6)),  # AlexNet: identity (a copy)
    ((8, 256, 6, 6), (6, 6)),  # ... at batch 8, threaded
    ((1, 3, 3, 3), (5, 7)),  # more outputs than inputs
    ((1, 7, 13, 9), (2, None)),  # None keeps that input size
]


def random_input(rng, shape):
    return rng.standard_normal(shape, dtype=np.float32)


def case_id(case):
    shape, params = case
    return "x".join(map(str, shape)) + "-" + "-".join(f"{k}={v}" for k, v in sorted(params.items()))


def check_against_twin_and_torch(torch, name, x, tol, *args, **kwargs):
    got = getattr(_C, name)(x, *args, **kwargs)
    ref = getattr(_C, name + "_ref")(x, *args, **kwargs)
    want = getattr(torch.nn.functional, name)(torch.from_numpy(x), *args, **kwargs).numpy()
    assert got.shape == ref.shape == want.shape
    assert got.dtype == np.float32
    np.testing.assert_allclose(ref, want, **tol)
    np.testing.assert_allclose(got, want, **tol)
    np.testing.assert_allclose(got, ref, **tol)
    return got


@pytest.mark.parametrize("case", MAX_CASES, ids=case_id)
def test_max_pool2d(torch, rng, case):
    shape, params = case
    check_against_twin_and_torch(torch, "max_pool2d", random_input(rng, shape), MAX_TOL, **params)


@pytest.mark.parametrize("case", AVG_CASES, ids=case_id)
def test_avg_pool2d(torch, rng, case):
    shape, params = case
    check_against_twin_and_torch(torch, "avg_pool2d", random_input(rng, shape), AVG_TOL, **params)


@pytest.mark.parametrize("shape,output_size", ADAPTIVE_CASES, ids=lambda v: str(v).replace(" ", ""))
def test_adaptive_avg_pool2d(torch, rng, shape, output_size):
    x = random_input(rng, shape)
    check_against_twin_and_torch(torch, "adaptive_avg_pool2d", x, AVG_TOL, output_size=output_size)


@pytest.mark.parametrize(
    "params", [dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)]
)
@pytest.mark.parametrize("size", [9, 10, 36, 37])  # the AVX2 passes, NaNs in whole vectors and in the tails;
# even sizes: the 2x2 windows that tile the planes
def test_max_pool2d_propagates_nan_like_torch(torch, rng, params, size):
    x = random_input(rng, (1, 3, size, size))
    x[0, 0, 4, 4] = np.nan
    x[0, 2, 0, 1] = np.nan
    x[0, 1, size - 1, size - 2] = np.nan
    expected = torch.nn.functional.max_pool2d(torch.from_numpy(x), **params).numpy()
    for name in ("max_pool2d", "max_pool2d_ref"):
        got = getattr(_C, name)(x, **params)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("params", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1)])
@pytest.mark.parametrize("shape", [(2, 5, 10, 10), (1, 3, 36, 36)])
def test_max_pool2d_ties_bit_identical_to_twin(rng, params, shape):
    # Signed zeros and NaNs: which operand wins depends on the order of combination, which the
    # fast passes must keep (the reference's).
    x = rng.choice(np.array([-0.0, 0.0, 1.0, np.nan], np.float32), size=shape)
    got, ref = _C.max_pool2d(x, **params), _C.max_pool2d_ref(x, **params)
    np.testing.assert_array_equal(got.view(np.uint32), ref.view(np.uint32))


def test_global_average_of_large_offset_values(torch, rng):
    # A large common offset exposes a naive float32 running sum.
    x = (1000.0 + random_input(rng, (1, 3, 112, 112))).astype(np.float32)
    got = _C.adaptive_avg_pool2d(x, (1, 1))
    np.testing.assert_allclose(got, x.astype(np.float64).mean(axis=(2, 3), keepdims=True), rtol=1e-6)


# Padding (top, left, bottom, right) that differs at the two ends of an axis (ONNX pads).
ASYMMETRIC_CASES = [
    ((1, 3, 7, 7), dict(kernel_size=7, stride=1, padding=(0, 0, 1, 1))),  # Inception-v1 pool5 (ONNX)
    ((2, 7, 13, 9), dict(kernel_size=3, stride=2, padding=(1, 0, 0, 1))),
    ((1, 13, 13, 13), dict(kernel_size=(3, 5), stride=(1, 2), padding=(0, 2, 1, 0))),
    ((1, 1, 5, 6), dict(kernel_size=2, stride=2, padding=(0, 0, 1, 1))),
    ((1, 3, 1, 1), dict(kernel_size=2, stride=1, padding=(1, 0, 0, 1))),
    ((1, 7, 12, 12), dict(kernel_size=3, stride=3, padding=(1, 1, 0, 0), ceil_mode=True)),
    ((1, 3, 11, 10), dict(kernel_size=5, stride=3, padding=(2, 1, 0, 2))),  # runtime stride path
]


@pytest.mark.parametrize("name,tol,extra", [("max_pool2d", MAX_TOL, {}),
                                            ("avg_pool2d", AVG_TOL, dict(count_include_pad=True)),
                                            ("avg_pool2d", AVG_TOL, dict(count_include_pad=False))],
                         ids=["max", "avg-count-pad", "avg"])
@pytest.mark.parametrize("case", ASYMMETRIC_CASES, ids=case_id)
def test_asymmetric_padding(torch, rng, name, tol, extra, case):
    shape, params = case
    kwargs = dict(params, **extra)
    x = random_input(rng, shape)
    got = getattr(_C, name)(x, **kwargs)
    ref = getattr(_C, name + "_ref")(x, **kwargs)
    want = asymmetric_pool(torch, name, torch.from_numpy(x), **kwargs).numpy()
    assert got.shape == ref.shape == want.shape
    np.testing.assert_allclose(ref, want, **tol)
    np.testing.assert_allclose(got, want, **tol)
    np.testing.assert_allclose(got, ref, **tol)


def test_positional_arguments_and_pairs(torch, rng):
    x = random_input(rng, (1, 3, 9, 9))
    got = _C.max_pool2d(x, (3, 3), (2, 2), (1, 1), (1, 1), True)
    np.testing.assert_array_equal(got, _C.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True))
    check_against_twin_and_torch(torch, "avg_pool2d", x, AVG_TOL, [3, 2], [2, 1], [1, 0], True, False)
    check_against_twin_and_torch(torch, "max_pool2d", x, MAX_TOL, (3,), stride=[2], padding=(1,))  # 1-tuples


@pytest.mark.parametrize("layout", ["strided", "fortran"])
def test_non_contiguous_input(torch, rng, layout):
    base = random_input(rng, (2, 7, 26, 26))
    x = base[:, :, ::2, ::2] if layout == "strided" else np.asfortranarray(base)
    check_against_twin_and_torch(torch, "max_pool2d", x, MAX_TOL, 3, stride=2, padding=1)
    check_against_twin_and_torch(torch, "avg_pool2d", x, AVG_TOL, 2)
    check_against_twin_and_torch(torch, "adaptive_avg_pool2d", x, AVG_TOL, (1, 1))


def test_one_thread_matches_two(rng):
    x = random_input(rng, (2, 64, 56, 56))
    small = random_input(rng, (64, 16, 10, 10))
    pools = lambda: (_C.max_pool2d(x, 3, 2, 1), _C.max_pool2d(small, 2), _C.avg_pool2d(x, 2),  # noqa: E731
                     _C.adaptive_avg_pool2d(x, 1))
    two = pools()
    _C.set_num_threads(1)  # the isa fixture restores the thread count
    one = pools()
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


POOLS = [
    ("max_pool2d", dict(kernel_size=2)),
    ("max_pool2d_ref", dict(kernel_size=2)),
    ("avg_pool2d", dict(kernel_size=2)),
    ("avg_pool2d_ref", dict(kernel_size=2)),
    ("adaptive_avg_pool2d", dict(output_size=1)),
    ("adaptive_avg_pool2d_ref", dict(output_size=1)),
]


@pytest.mark.parametrize("name,params", POOLS, ids=[p[0] for p in POOLS])
@pytest.mark.parametrize(
    "x,error,message",
    [
        (np.zeros((3, 4, 4), np.float32), ValueError, r"input must be 4-D \(N x C x H x W\), got shape \(3, 4, 4\)"),
        (np.zeros((1, 3, 4, 4), np.float64), TypeError, r"input must be float32 .*got float64"),
        (np.zeros((0, 3, 4, 4), np.float32), ValueError, r"input is empty: shape \(0, 3, 4, 4\)"),
        ([[[[1.0, 2.0], [3.0, 4.0]]]], TypeError, r"input must be a numpy float32 array .*got list"),
    ],
    ids=["rank", "float64", "empty", "list"],
)
def test_bad_input(name, params, x, error, message):
    with pytest.raises(error, match=name + " " + message):
        getattr(_C, name)(x, **params)


@pytest.mark.parametrize("name", ["max_pool2d", "max_pool2d_ref", "avg_pool2d", "avg_pool2d_ref"])
@pytest.mark.parametrize(
    "params,error,message",
    [
        (dict(kernel_size=0), ValueError, r"kernel_size must be in \[1, 2147483647\], got \(0, 0\)"),
        (dict(kernel_size=(2, -1)), ValueError, r"kernel_size must be in \[1, 2147483647\], got \(2, -1\)"),
        (dict(kernel_size=2, stride=0), ValueError, r"stride must be in \[1, 2147483647\], got \(0, 0\)"),
        (dict(kernel_size=2, stride=(1, 2**40)), ValueError, r"stride must be .*got \(1, 1099511627776\)"),
        (dict(kernel_size=2, padding=-1), ValueError, r"padding must be in \[0, 2147483647\], got \(-1, -1\)"),
        (dict(kernel_size=3, padding=(0, 2)), ValueError,
         r"padding must be at most half of kernel_size, got padding \(0, 2, 0, 2\) and kernel_size \(3, 3\)"),
        (dict(kernel_size=3, padding=(0, 0, 2, 0)), ValueError,
         r"padding must be at most half of kernel_size, got padding \(0, 0, 2, 0\) and kernel_size \(3, 3\)"),
        (dict(kernel_size=3, padding=(0, 0, 0, -1)), ValueError,
         r"padding must be in \[0, 2147483647\], got \(0, -1\)"),
        (dict(kernel_size=3, padding=(1, 1, 1)), ValueError,
         r"padding must be an int, \(h, w\) or \(top, left, bottom, right\), got \(1, 1, 1\)"),
        (dict(kernel_size=5), ValueError, r"output size is too small: input \(4, 4\) .*gives \(0, 0\)"),
        (dict(kernel_size=(1, 2, 3)), ValueError, r"kernel_size must be an int or a pair of ints, got \(1, 2, 3\)"),
        (dict(kernel_size=2, stride=[1, 2, 3]), ValueError, r"stride must be an int or a pair of ints, got \[1, 2, 3\]"),
        (dict(kernel_size=2.5), ValueError, r"kernel_size must be an int or a pair of ints, got 2.5"),
        (dict(kernel_size=2, padding=(0, "1")), ValueError, r"padding must be an int, \(h, w\) or"),
    ],
)
def test_bad_window_parameters(name, params, error, message):
    x = np.zeros((1, 3, 4, 4), np.float32)
    with pytest.raises(error, match=name + ": " + message):
        getattr(_C, name)(x, **params)


@pytest.mark.parametrize("name", ["max_pool2d", "max_pool2d_ref"])
def test_bad_dilation(name):
    x = np.zeros((1, 3, 4, 4), np.float32)
    with pytest.raises(ValueError, match=name + r": dilation must be in \[1, 2147483647\], got \(1, 0\)"):
        getattr(_C, name)(x, 2, dilation=(1, 0))


@pytest.mark.parametrize("name", ["adaptive_avg_pool2d", "adaptive_avg_pool2d_ref"])
@pytest.mark.parametrize(
    "output_size,error,message",
    [
        (0, ValueError, r"output_size must be in \[1, 2147483647\], got \(0, 0\)"),
        ((2, -3), ValueError, r"output_size must be in \[1, 2147483647\], got \(2, -3\)"),
        ((1, 2, 3), ValueError, r"output_size must be an int or a pair of ints, got \(1, 2, 3\)"),
        (None, ValueError, r"output_size must be an int or a pair of ints, got None"),
        ((None, 2.5), ValueError, r"output_size must be an int or a pair of ints"),
    ],
)
def test_bad_output_size(name, output_size, error, message):
    x = np.zeros((1, 3, 4, 4), np.float32)
    with pytest.raises(error, match=name + ": " + message):
        getattr(_C, name)(x, output_size)
