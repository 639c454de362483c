"""Input policy of Model.predict: dtype, layout, rank/channel errors, varying batch and spatial
size without reload, and no memory growth over many calls."""
import numpy as np
import pytest

from cnnengine import InputError


def rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@pytest.mark.parametrize("x, message", [
    (np.zeros((1, 3, 32, 32), np.float64), r"N x 3 x \? x \? float32 .*got float64 array.*astype\(np.float32\)"),
    (np.zeros((1, 3, 32, 32), np.int32), r"got int32 array"),
    (np.zeros((3, 32, 32), np.float32), r"must be N x 3 x \? x \? float32, got a 3-D array"),
    (np.zeros((2, 4, 32, 32), np.float32), r"must be N x 3 x \? x \? float32, got shape \(2, 4, 32, 32\)"),
    (np.zeros((0, 3, 32, 32), np.float32), r"empty batch"),
    ([[1.0, 2.0]], r"got list"),
])
def test_wrong_inputs_say_what_is_expected(small_resnet, x, message):
    with pytest.raises(InputError, match=message):
        small_resnet.predict(x)


def test_non_contiguous_input_gives_the_contiguous_result(small_resnet, rng):
    base = rng.standard_normal((4, 32, 32, 3), dtype=np.float32)
    strided = base.transpose(0, 3, 1, 2)  # N x C x H x W view of NHWC memory
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(small_resnet.predict(strided), small_resnet.predict(np.ascontiguousarray(strided)))


def test_nan_propagates(small_resnet, rng):
    x = rng.standard_normal((2, 3, 32, 32), dtype=np.float32)
    x[1, 0, 5, 5] = np.nan
    y = small_resnet.predict(x)
    assert np.isfinite(y[0]).all() and np.isnan(y[1]).any()


def test_varying_batch_and_size_without_memory_growth(small_resnet, rng):
    sizes = rng.integers(1, 33, size=1000)
    spatial = [32, 40, 24]
    inputs = {(n, s): rng.standard_normal((n, 3, s, s), dtype=np.float32) for n in range(1, 33) for s in spatial}
    for i, n in enumerate(sizes[:50]):
        small_resnet.predict(inputs[int(n), spatial[i % 3]])
    warm = rss_bytes()
    for i, n in enumerate(sizes[50:]):
        y = small_resnet.predict(inputs[int(n), spatial[i % 3]])
        assert y.shape == (n, 10)
    grown = rss_bytes() / warm - 1
    assert grown < 0.10, f"RSS grew {grown:.1%} over 950 calls"
