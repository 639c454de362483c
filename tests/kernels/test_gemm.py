"""Packed SGEMM (6x16 micro-kernel, and 6x32 where the ISA has it; Goto blocking) against its
plain-loop twin and numpy.

Tolerance (DESIGN.md §4): float32 accumulation error grows with K, so
|C - ref| <= max|ref| * K * 2**-23 * 4.
"""
import numpy as np
import pytest

from cnnengine import _C

SHAPES = [
    (1, 1, 1),
    (1, 17, 5),       # single row: GEMV-like
    (7, 1, 3),        # single column
    (6, 16, 8),       # exactly one micro-tile
    (7, 17, 13),      # one past the tile in both directions
    (13, 33, 300),    # K crosses one K block
    (150, 70, 700),   # M crosses MC, K cut into three blocks
    (64, 3136, 27),   # ResNet/VGG first-layer-like shape
    (200, 49, 1000),  # more rows than the panel-packing limit, few columns
    (19, 18, 7),      # N tails of 1 to 4 columns take the narrow kernel,
    (8, 35, 302),     # also with K not a multiple of its four-k-step vectors
    (25, 196, 129),   # (ResNet's 14x14 maps: 196 = 12*16 + 4)
    (30, 21, 66),     # a 5-column tail: the 6x16 kernel again
    (12, 16, 9),      # A panels packed 8 depths at a time: tails of 1 and 7 depths
    (20, 40, 15),
    (293, 50, 777),   # A packed per MC x KC block: a row tail in the last block, K blocks with tails
    (9, 27, 40),      # AVX-512: a wide 6x32 tile with 11 live columns in its second panel,
    (160, 59, 333),   # after a full one, in both the panel-packing and the blocked loops
]


def tolerance(ref, depth):
    return max(float(np.abs(ref).max()), 1.0) * depth * 2.0**-23 * 4


@pytest.mark.parametrize("m,n,k", SHAPES)
def test_sgemm_matches_reference_and_numpy(rng, m, n, k):
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = _C.sgemm(a, b)
    ref = _C.sgemm_ref(a, b)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(c, ref, rtol=0, atol=tolerance(ref, k))
    np.testing.assert_allclose(ref, exact, rtol=0, atol=tolerance(ref, 1))


@pytest.mark.parametrize("m,n,k", [(7, 17, 13), (150, 70, 700), (200, 49, 1000)])
def test_fused_epilogue(rng, m, n, k):
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    row_bias = rng.standard_normal(m, dtype=np.float32)
    col_bias = rng.standard_normal(n, dtype=np.float32)
    residual = rng.standard_normal((m, n), dtype=np.float32)
    kwargs = dict(row_bias=row_bias, col_bias=col_bias, residual=residual, relu=True)
    c = _C.sgemm(a, b, **kwargs)
    ref = _C.sgemm_ref(a, b, **kwargs)
    expected = np.maximum(a.astype(np.float64) @ b + row_bias[:, None] + col_bias[None, :] + residual, 0)
    np.testing.assert_allclose(c, ref, rtol=0, atol=tolerance(ref, k))
    np.testing.assert_allclose(ref, expected, rtol=0, atol=tolerance(ref, 4))
    assert (c >= 0).all() and (c == 0).any()


def test_packed_matrix_is_reused(rng):
    a = rng.standard_normal((37, 129), dtype=np.float32)
    packed = _C.PackedMatrix(a)
    assert packed.shape == (37, 129)
    assert packed.nbytes >= a.nbytes
    for n in (1, 16, 45):
        b = rng.standard_normal((129, n), dtype=np.float32)
        np.testing.assert_allclose(packed.matmul(b), _C.sgemm_ref(a, b), rtol=0, atol=tolerance(a, 129) * 10)


# Pre-packed weights of 2 MiB and more against at most 64 columns run each row panel over its whole
# depth (sgemm_driver.h, kStreamAMinBytes): N of 1 (narrow kernel alone), 17 (a 1-column narrow
# panel after a full one), 49 (ResNet's 7x7 maps) and 64; 65 columns take the K-blocked loops on
# one thread and split into two streamed ranges on two.
@pytest.mark.parametrize("n", [1, 17, 49, 64, 65])
def test_packed_weights_streamed_against_few_columns(rng, n):
    m, k = 601, 900  # 2.1 MB packed, a 1-row tail panel
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    row_bias = rng.standard_normal(m, dtype=np.float32)
    residual = rng.standard_normal((m, n), dtype=np.float32)
    packed = _C.PackedMatrix(a)
    assert packed.nbytes >= 2 * 1024 * 1024
    kwargs = dict(row_bias=row_bias, residual=residual, relu=True)
    ref = _C.sgemm_ref(a, b, **kwargs)
    for threads in (1, 2):
        _C.set_num_threads(threads)
        np.testing.assert_allclose(packed.matmul(b, **kwargs), ref, rtol=0, atol=tolerance(ref, k))
    assert (ref == 0).any()


def test_non_contiguous_inputs_are_copied(rng):
    a = rng.standard_normal((20, 30), dtype=np.float32)
    b = rng.standard_normal((40, 20), dtype=np.float32)
    c = _C.sgemm(a.T, b.T)  # 30x20 @ 20x40
    np.testing.assert_allclose(c, a.T.astype(np.float64) @ b.T, rtol=1e-5, atol=1e-4)


# (100, 300, 500) splits the rows between the threads; (6, 300, 530), one row panel, the columns, so
# that a column the wide kernel takes on one thread may take the 6x16 kernel on two.
@pytest.mark.parametrize("m, k, n", [(100, 300, 500), (6, 300, 530)])
def test_single_and_two_threads_agree(rng, m, k, n):
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    _C.set_num_threads(1)
    one = _C.sgemm(a, b)
    _C.set_num_threads(2)
    two = _C.sgemm(a, b)
    np.testing.assert_array_equal(one, two)  # each C element is summed in the same order


@pytest.mark.parametrize(
    "a,b,kwargs,error,match",
    [
        (np.ones((2, 3), np.float64), np.ones((3, 2), np.float32), {}, TypeError, "A must be float32.*float64"),
        (np.ones((2, 3, 1), np.float32), np.ones((3, 2), np.float32), {}, ValueError, r"A must be 2-D .*\(2, 3, 1\)"),
        (np.ones((2, 3), np.float32), np.ones((4, 2), np.float32), {}, ValueError, "inner dimensions differ"),
        (np.ones((0, 3), np.float32), np.ones((3, 2), np.float32), {}, ValueError, "empty"),
        ([[1.0]], np.ones((1, 1), np.float32), {}, TypeError, "numpy float32 array.*list"),
        (np.ones((2, 3), np.float32), np.ones((3, 2), np.float32), {"row_bias": np.ones(3, np.float32)},
         ValueError, r"row_bias must have shape \(2,\), got \(3,\)"),
        (np.ones((2, 3), np.float32), np.ones((3, 2), np.float32), {"residual": np.ones((2, 3), np.float32)},
         ValueError, r"residual must have shape \(2, 2\)"),
    ],
)
def test_bad_input_raises(a, b, kwargs, error, match):
    with pytest.raises(error, match=match):
        _C.sgemm(a, b, **kwargs)
