"""The out= keyword of the forward kernels (for a graph executor's preallocated arena).

For every kernel: the result written into out equals the result without out, bit for bit; the
kernel returns out itself and writes nothing outside it; bad out arrays (shape, dtype,
contiguity, read-only, not an array) are refused. Aliasing: relu, add, batch_norm and softmax run
in place (out is exactly an input); any other overlap of out with an input raises ValueError.
The *_ref twins keep their signatures (no out=).
"""
import numpy as np
import pytest

from cnnengine import _C


def randn(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# Each case builds its inputs (a dict of C-contiguous float32 arrays) and a call(inputs, **kw)
# that runs the kernel on them; `in_place` names the inputs that out may be exactly.

def conv_case(weight_shape, x_shape, **params):
    def make(rng):
        conv = _C.Conv2d(randn(rng, *weight_shape), randn(rng, weight_shape[0]), **params)
        x = randn(rng, *x_shape)
        residual = conv.forward(x) * np.float32(0.5)
        return {"x": x, "residual": residual}, lambda i, **kw: conv.forward(i["x"], i["residual"], relu=True, **kw)
    return make


def linear(rng):
    layer = _C.Linear(randn(rng, 5, 7), randn(rng, 5))
    return {"x": randn(rng, 3, 7)}, lambda i, **kw: layer.forward(i["x"], relu=True, **kw)


def pool_case(fn, *args, **params):
    def make(rng):
        return {"x": randn(rng, 2, 3, 9, 7)}, lambda i, **kw: fn(i["x"], *args, **params, **kw)
    return make


def relu(rng):
    return {"x": randn(rng, 3, 5, 7)}, lambda i, **kw: _C.relu(i["x"], **kw)


def add(rng):
    return ({"a": randn(rng, 2, 3, 4, 5), "b": randn(rng, 2, 3, 4, 5)},
            lambda i, **kw: _C.add(i["a"], i["b"], relu=True, **kw))


def batch_norm_case(x_shape):
    def make(rng):
        c = x_shape[1]
        inputs = {"x": randn(rng, *x_shape), "mean": randn(rng, c),
                  "var": rng.uniform(0.1, 2.0, c).astype(np.float32), "weight": randn(rng, c), "bias": randn(rng, c)}
        return inputs, lambda i, **kw: _C.batch_norm(i["x"], i["mean"], i["var"], i["weight"], i["bias"], **kw)
    return make


def softmax_case(x_shape, axis):
    def make(rng):
        return {"x": randn(rng, *x_shape)}, lambda i, **kw: _C.softmax(i["x"], axis=axis, **kw)
    return make


def lrn(rng):
    return {"x": randn(rng, 2, 7, 4, 4)}, lambda i, **kw: _C.lrn(i["x"], 5, alpha=0.5, beta=0.75, k=1.0, **kw)


def concat(rng):
    inputs = {"a": randn(rng, 2, 2, 3, 3), "b": randn(rng, 2, 4, 3, 3), "c": randn(rng, 2, 1, 3, 3)}
    return inputs, lambda i, **kw: _C.concat([i["a"], i["b"], i["c"]], axis=1, **kw)


def gemm_operands(rng):
    return {"b": randn(rng, 9, 20), "row_bias": randn(rng, 7), "col_bias": randn(rng, 20),
            "residual": randn(rng, 7, 20)}


def epilogue(i):
    return {"row_bias": i["row_bias"], "col_bias": i["col_bias"], "residual": i["residual"], "relu": True}


def sgemm(rng):
    inputs = dict(gemm_operands(rng), a=randn(rng, 7, 9))
    return inputs, lambda i, **kw: _C.sgemm(i["a"], i["b"], **epilogue(i), **kw)


def packed_matmul(rng):
    packed = _C.PackedMatrix(randn(rng, 7, 9))
    return gemm_operands(rng), lambda i, **kw: packed.matmul(i["b"], **epilogue(i), **kw)


# name: (make, inputs that out may be exactly)
CASES = {
    "conv2d_im2col": (conv_case((4, 3, 3, 3), (2, 3, 7, 7), padding=1), ("residual",)),
    "conv2d_1x1": (conv_case((8, 3, 1, 1), (2, 3, 5, 5)), ("residual",)),
    "conv2d_depthwise": (conv_case((3, 1, 3, 3), (1, 3, 9, 9), stride=2, padding=1, groups=3), ("residual",)),
    "linear": (linear, ()),
    "max_pool2d": (pool_case(_C.max_pool2d, 3, stride=2, padding=1, ceil_mode=True), ()),
    "avg_pool2d": (pool_case(_C.avg_pool2d, 3, stride=2, padding=1, count_include_pad=False), ()),
    "adaptive_avg_pool2d": (pool_case(_C.adaptive_avg_pool2d, (4, 3)), ()),
    "relu": (relu, ("x",)),
    "add": (add, ("a", "b")),
    "batch_norm": (batch_norm_case((2, 6, 5, 5)), ("x",)),
    "batch_norm_nc": (batch_norm_case((4, 6)), ("x",)),
    "softmax_nchw": (softmax_case((2, 5, 4, 4), 1), ("x",)),
    "softmax_rows": (softmax_case((3, 10), -1), ("x",)),
    "lrn": (lrn, ()),
    "concat": (concat, ()),
    "sgemm": (sgemm, ()),
    "packed_matmul": (packed_matmul, ()),
}


@pytest.fixture(params=list(CASES))
def case(request, rng):
    make, in_place = CASES[request.param]
    inputs, call = make(rng)
    return inputs, call, in_place


def test_out_gets_the_same_result(case):
    inputs, call, _ = case
    expected = call(inputs)
    # out is a view into a NaN-filled arena at an odd offset, as an executor's arena slot would be.
    arena = np.full(expected.size + 8, np.nan, np.float32)
    out = arena[3:3 + expected.size].reshape(expected.shape)
    result = call(inputs, out=out)
    assert result is out
    np.testing.assert_array_equal(out, expected)
    assert np.isnan(arena[:3]).all() and np.isnan(arena[3 + expected.size:]).all()
    assert call(inputs, out=None).shape == expected.shape


@pytest.mark.parametrize("kind, error, message", [
    ("shape", ValueError, r"must be a writeable C-contiguous float32 array of shape \(.*\), got float32 array of"),
    ("dtype", TypeError, r"must be a writeable C-contiguous float32 array of shape \(.*\), got float64 array"),
    ("strided", ValueError, r"got non-contiguous float32 array of shape"),
    ("read_only", ValueError, r"got read-only float32 array of shape"),
    ("list", TypeError, r"float32 array of shape \(.*\), got list"),
])
def test_bad_out_is_refused(case, kind, error, message):
    inputs, call, _ = case
    shape = call(inputs).shape
    if kind == "shape":
        out = np.zeros(shape[:-1] + (shape[-1] + 1,), np.float32)
    elif kind == "dtype":
        out = np.zeros(shape, np.float64)
    elif kind == "strided":
        out = np.zeros(shape[:-1] + (2 * shape[-1],), np.float32)[..., ::2]
    elif kind == "read_only":
        out = np.zeros(shape, np.float32)
        out.flags.writeable = False
    else:
        out = np.zeros(shape, np.float32).tolist()
    with pytest.raises(error, match=message):
        call(inputs, out=out)


def test_out_message_names_kernel_and_shapes(rng):
    x = randn(rng, 1, 3, 6, 6)
    conv = _C.Conv2d(randn(rng, 4, 3, 3, 3), padding=1)
    with pytest.raises(ValueError, match=r"^conv2d out must be a writeable C-contiguous float32 array of shape "
                                         r"\(1, 4, 6, 6\), got float32 array of shape \(1, 4, 5, 5\)$"):
        conv.forward(x, out=np.zeros((1, 4, 5, 5), np.float32))


def overlapping(inputs, name, out_shape, offset):
    """Inputs where `name` lives in a shared arena and an out of out_shape starting `offset`
    floats into that input's memory."""
    size = int(np.prod(out_shape))
    arena = np.zeros(max(inputs[name].size, offset + size) + 1, np.float32)
    moved = dict(inputs)
    moved[name] = arena[:inputs[name].size].reshape(inputs[name].shape)
    moved[name][...] = inputs[name]
    return moved, arena[offset:offset + size].reshape(out_shape)


@pytest.mark.parametrize("offset", [0, 1])
def test_overlapping_out_is_refused(case, offset):
    """Any overlap raises, except out being exactly an input of an element-wise kernel."""
    inputs, call, in_place = case
    shape = call(inputs).shape
    for name in inputs:
        moved, out = overlapping(inputs, name, shape, offset)
        if offset == 0 and name in in_place:
            continue  # out is that input itself: test_in_place
        with pytest.raises(ValueError, match="out overlaps input"):
            call(moved, out=out)


def test_in_place(case):
    inputs, call, in_place = case
    expected = call(inputs)
    for name in in_place:
        moved = {k: v.copy() for k, v in inputs.items()}
        assert call(moved, out=moved[name]) is moved[name]
        if name == "residual":  # a conv sums onto its residual: the same terms in another order
            np.testing.assert_allclose(moved[name], expected, rtol=0, atol=1e-6 * float(np.abs(expected).max()))
        else:
            np.testing.assert_array_equal(moved[name], expected)


LARGE = (1, 64, 56, 56)  # 200k floats: split across the 2 test threads


def test_in_place_large_arrays(rng):
    x = randn(rng, *LARGE)
    for fn in [_C.relu, lambda x, **kw: _C.softmax(x, axis=1, **kw), lambda x, **kw: _C.softmax(x, axis=-1, **kw)]:
        expected, y = fn(x), x.copy()
        assert fn(y, out=y) is y
        np.testing.assert_array_equal(y, expected)
    a, b = randn(rng, *LARGE), randn(rng, *LARGE)
    expected = _C.add(a, b, relu=True)
    a2, b2 = a.copy(), b.copy()
    _C.add(a2, b, relu=True, out=a2)
    _C.add(a, b2, relu=True, out=b2)
    np.testing.assert_array_equal(a2, expected)
    np.testing.assert_array_equal(b2, expected)
    a2 = a.copy()
    np.testing.assert_array_equal(_C.add(a2, a2, out=a2), a + a)
    mean, var = randn(rng, 64), rng.uniform(0.1, 2.0, 64).astype(np.float32)
    expected, y = _C.batch_norm(x, mean, var), x.copy()
    _C.batch_norm(y, mean, var, out=y)
    np.testing.assert_array_equal(y, expected)


def test_strided_input_is_copied_before_writing_out(rng):
    """A strided input is read from a copy, so an out that shares its memory is fine."""
    base = randn(rng, 3, 5, 8)
    x = base[:, :, ::2]
    expected = _C.relu(x)
    out = base.reshape(-1)[:x.size].reshape(x.shape)
    assert _C.relu(x, out=out) is out
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("call", [
    lambda x, out: _C.max_pool2d_ref(x, 2, out=out),
    lambda x, out: _C.avg_pool2d_ref(x, 2, out=out),
    lambda x, out: _C.adaptive_avg_pool2d_ref(x, 1, out=out),
    lambda x, out: _C.batch_norm_ref(x, np.zeros(3, np.float32), np.ones(3, np.float32), out=out),
    lambda x, out: _C.softmax_ref(x, out=out),
    lambda x, out: _C.lrn_ref(x, 3, out=out),
    lambda x, out: _C.relu_(x, out=out),
    lambda x, out: _C.relu(x, out),  # out is keyword-only
])
def test_ref_twins_and_positional_out_are_refused(rng, call):
    x = randn(rng, 1, 3, 4, 4)
    with pytest.raises(TypeError, match="incompatible function arguments"):
        call(x, np.zeros_like(x))
