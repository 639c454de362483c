"""Kernels check dtypes by value: a float32 array that went through pickle (or Ray's object store)
carries an equal dtype object that is not numpy's float32 singleton, and must be accepted, as
input and as out=; byte-swapped float32 is still refused."""
import pickle

import numpy as np
import pytest

from cnnengine import _C


def test_unpickled_float32_is_accepted(rng):
    x = rng.standard_normal((2, 5)).astype(np.float32)
    copied = pickle.loads(pickle.dumps(x, protocol=5))
    out = pickle.loads(pickle.dumps(np.empty_like(x), protocol=5))
    assert copied.dtype is not np.dtype(np.float32)  # the case this test is about
    expected = _C.softmax(x, 1)
    np.testing.assert_array_equal(_C.softmax(copied, 1), expected)
    assert _C.softmax(copied, 1, out=out) is out
    np.testing.assert_array_equal(out, expected)


def test_byte_swapped_float32_is_refused(rng):
    x = rng.standard_normal((2, 5)).astype(">f4")
    with pytest.raises(TypeError, match="must be float32"):
        _C.softmax(x, 1)
    with pytest.raises(TypeError, match="must be a writeable C-contiguous float32"):
        _C.softmax(x.astype(np.float32), 1, out=np.empty((2, 5), ">f4"))
