"""The Cython augmentation kernel against numpy: crop with padding + flip + normalise exactly as
the numpy equivalent, resized crops as a direct bilinear evaluation, seeded reproducibility."""
import numpy as np
import pytest

from cnnengine import _C
from cnnengine.errors import InputError
from cnnengine.training.augment import Augment, augment_numpy


@pytest.mark.parametrize("shape,padding", [((7, 28, 28), 4), ((5, 13, 11, 3), 2), ((3, 8, 8, 1), 0)])
def test_crop_with_padding_and_flip_match_numpy(shape, padding, rng):
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    size = (shape[1] - 1, shape[2]) if padding else (5, 6)
    channels = 1 if len(shape) == 3 else shape[3]
    augment = Augment(size, crop_padding=padding, hflip=True, mean=[0.3] * channels, std=[0.2] * channels)
    batch = augment(images, np.random.default_rng(5))
    check = np.random.default_rng(5)
    boxes = augment.boxes(len(images), shape[1], shape[2], check)
    flips = (check.random(len(images)) < 0.5).astype(np.uint8)
    expected = augment_numpy(images, boxes, flips, np.resize(augment.gain, channels),
                             np.resize(augment.offset, channels))
    np.testing.assert_allclose(batch, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(batch, augment(images, np.random.default_rng(5)))  # seeded
    assert not np.array_equal(batch, augment(images, np.random.default_rng(6)))


def test_resized_crop_is_bilinear_on_the_box(rng):
    images = rng.integers(0, 256, (4, 20, 24, 3), dtype=np.uint8)
    augment = Augment(8, resized_crop=((0.3, 1.0), (0.75, 1.33)))
    batch = augment(images, np.random.default_rng(1))
    boxes = augment.boxes(4, 20, 24, np.random.default_rng(1))
    for n, (top, left, h, w) in enumerate(boxes):
        assert 0 <= top and top + h <= 20 and 0 <= left and left + w <= 24
        sy = np.clip(top + (np.arange(8) + 0.5) * h / 8 - 0.5, 0, 19)
        sx = np.clip(left + (np.arange(8) + 0.5) * w / 8 - 0.5, 0, 23)
        y0, x0 = np.floor(sy).astype(int), np.floor(sx).astype(int)
        y1, x1 = np.minimum(y0 + 1, 19), np.minimum(x0 + 1, 23)
        fy, fx = (sy - y0)[:, None, None], (sx - x0)[None, :, None]
        img = images[n].astype(np.float64)
        value = ((img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx) * (1 - fy)
                 + (img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx) * fy) / 255
        np.testing.assert_allclose(batch[n], value.transpose(2, 0, 1), rtol=1e-5, atol=1e-5)


def test_thread_count_does_not_change_the_batch(rng):
    images = rng.integers(0, 256, (16, 28, 28), dtype=np.uint8)
    augment = Augment(28, crop_padding=2, hflip=True)
    threads = _C.get_num_threads()
    try:
        _C.set_num_threads(1)
        one = augment(images, np.random.default_rng(3))
        _C.set_num_threads(2)
        np.testing.assert_array_equal(augment(images, np.random.default_rng(3)), one)
    finally:
        _C.set_num_threads(threads)


def test_bad_images_are_refused():
    with pytest.raises(InputError, match="uint8"):
        Augment(4)(np.zeros((2, 4, 4), np.float32), np.random.default_rng(0))
    with pytest.raises(InputError, match="mean/std"):
        Augment(4, mean=[0, 0], std=[1, 1])(np.zeros((2, 4, 4, 3), np.uint8), np.random.default_rng(0))
