"""Training-time augmentation of uint8 images into a normalised float32 N x C x H x W batch:
random crop with zero padding, random resized crop, horizontal flip, normalisation. The random
choices come from a numpy Generator (seeded: the same seed gives the same batch); the pixel work
runs in the Cython kernel cnnengine._augment (no GIL, OpenMP over images). augment_numpy is the
plain numpy equivalent of the crop-with-padding path (the benchmark's baseline and a test oracle)."""
import math
from typing import Optional, Sequence, Tuple

import numpy as np

from cnnengine import _C
from cnnengine._augment import crop_flip_normalize
from cnnengine.errors import InputError

# Below this many output values per thread, waking a second thread costs more than it saves
# (measured: 256 Fashion-MNIST images, 200k values, ran slower on 2 threads than on 1).
MIN_VALUES_PER_THREAD = 1 << 20


class Augment:
    """size: output (h, w). crop_padding: random crop of `size` from the image padded by this many
    zero pixels (0: centre crop). resized_crop: (scale range, ratio range) of torchvision's
    RandomResizedCrop instead. hflip: mirror with probability 1/2. mean/std per channel on the
    scale-d pixel (pixel * scale), as torchvision's ToTensor + Normalize."""

    def __init__(self, size, crop_padding: int = 0, resized_crop: Optional[Tuple[Sequence, Sequence]] = None,
                 hflip: bool = False, mean=(0.0,), std=(1.0,), scale: float = 1 / 255):
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if crop_padding < 0 or min(self.size) < 1 or min(std) <= 0:
            raise ValueError("augment: size >= 1, crop_padding >= 0 and std > 0 are required")
        self.crop_padding, self.resized_crop, self.hflip = crop_padding, resized_crop, hflip
        self.gain = (scale / np.asarray(std, dtype=np.float64)).astype(np.float32)
        self.offset = (-np.asarray(mean, dtype=np.float64) / np.asarray(std, dtype=np.float64)).astype(np.float32)

    def boxes(self, count: int, height: int, width: int, rng: np.random.Generator) -> np.ndarray:
        """N x 4 crop boxes (top, left, height, width) in image pixels."""
        out_h, out_w = self.size
        if self.resized_crop is not None:
            return np.array([self._resized_box(height, width, rng) for _ in range(count)], dtype=np.int64)
        if self.crop_padding:
            tops = rng.integers(-self.crop_padding, height + self.crop_padding - out_h + 1, count)
            lefts = rng.integers(-self.crop_padding, width + self.crop_padding - out_w + 1, count)
        else:
            tops = np.full(count, (height - out_h) // 2)
            lefts = np.full(count, (width - out_w) // 2)
        return np.stack([tops, lefts, np.full(count, out_h), np.full(count, out_w)], axis=1).astype(np.int64)

    def _resized_box(self, height, width, rng):
        # torchvision.transforms.RandomResizedCrop.get_params: ten tries, then the central crop.
        (scale_lo, scale_hi), (ratio_lo, ratio_hi) = self.resized_crop
        area = height * width
        for _ in range(10):
            target = area * rng.uniform(scale_lo, scale_hi)
            ratio = math.exp(rng.uniform(math.log(ratio_lo), math.log(ratio_hi)))
            w, h = int(round(math.sqrt(target * ratio))), int(round(math.sqrt(target / ratio)))
            if 0 < w <= width and 0 < h <= height:
                return rng.integers(0, height - h + 1), rng.integers(0, width - w + 1), h, w
        side = min(height, width)
        return (height - side) // 2, (width - side) // 2, side, side

    def __call__(self, images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        images = as_nhwc(images)
        n, height, width, channels = images.shape
        if n == 0:
            raise InputError("augment: empty batch")
        if len(self.gain) not in (1, channels):
            raise InputError(f"augment: {len(self.gain)} mean/std values for {channels}-channel images")
        gain = np.resize(self.gain, channels)
        offset = np.resize(self.offset, channels)
        boxes = self.boxes(n, height, width, rng)
        flips = (rng.random(n) < 0.5 if self.hflip else np.zeros(n, bool)).astype(np.uint8)
        out = np.empty((n, channels) + self.size, dtype=np.float32)
        threads = _C.get_num_threads() if out.size >= MIN_VALUES_PER_THREAD * 2 else 1
        crop_flip_normalize(images, boxes, flips, gain, offset, out, threads)
        return out


def as_nhwc(images: np.ndarray) -> np.ndarray:
    """uint8 N x H x W (grayscale) or N x H x W x C as a C-contiguous N x H x W x C array."""
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8 or images.ndim not in (3, 4):
        raise InputError(f"augment takes uint8 N x H x W or N x H x W x C images, got "
                         f"{getattr(images, 'dtype', type(images).__name__)} {getattr(images, 'shape', '')}")
    return np.ascontiguousarray(images[..., None] if images.ndim == 3 else images)


def augment_numpy(images, boxes, flips, gain, offset) -> np.ndarray:
    """The crop-with-padding path in plain numpy (boxes of the output size): pad, slice, mirror,
    normalise, HWC -> CHW."""
    images = as_nhwc(images)
    pad = int(max(0, -boxes[:, :2].min(), (boxes[:, :2] + boxes[:, 2:] - images.shape[1:3]).max()))
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out_h, out_w = int(boxes[0, 2]), int(boxes[0, 3])
    crops = np.stack([padded[i, t + pad:t + pad + out_h, l + pad:l + pad + out_w]
                      for i, (t, l) in enumerate(boxes[:, :2])])
    crops = np.where(flips.astype(bool)[:, None, None, None], crops[:, :, ::-1], crops)
    return (crops.astype(np.float32) * gain + offset).transpose(0, 3, 1, 2).copy()
