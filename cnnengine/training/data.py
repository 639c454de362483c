"""Training data: IDX files (MNIST / Fashion-MNIST, plain or gzipped), folders of images (one
sub-folder per class, decoded by Pillow), and the seeded shuffled order of mini-batches."""
import gzip
import os
from typing import List, Tuple

import numpy as np

from cnnengine.errors import InputError

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"  # apt-get install dataset-fashion-mnist
FASHION_MNIST_LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                        "Ankle boot"]
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".webp")


def read_idx(path) -> np.ndarray:
    """An IDX file (LeCun's MNIST format: big-endian dims, unsigned bytes) as a uint8 array."""
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise InputError(f"cannot read IDX file {path}: {error}") from None
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != 0x08:
        raise InputError(f"{path}: not an unsigned-byte IDX file")
    rank = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if body.size != int(np.prod(dims)):
        raise InputError(f"{path}: header says {dims} but holds {body.size} values")
    return body.reshape(dims)


def load_idx_pair(images_path, labels_path) -> Tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise InputError(f"{images_path} / {labels_path}: expected N x H x W images and N labels, got "
                         f"{images.shape} and {labels.shape}")
    return images, labels.astype(np.int64)


def load_fashion_mnist(root=FASHION_MNIST_DIR):
    """(train images, train labels, test images, test labels): uint8 N x 28 x 28 and int64."""
    if not os.path.isdir(root):
        raise InputError(f"Fashion-MNIST not found in {root} (apt-get install -y dataset-fashion-mnist)")
    train = load_idx_pair(*(os.path.join(root, f"train-{kind}-ubyte.gz") for kind in ("images-idx3", "labels-idx1")))
    test = load_idx_pair(*(os.path.join(root, f"t10k-{kind}-ubyte.gz") for kind in ("images-idx3", "labels-idx1")))
    return train + test


def load_image_folder(root, size: int, mode: str = "RGB") -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """(uint8 N x size x size (x C), labels, class names) from root/<class>/<image>: each image is
    decoded, converted to `mode` and resized to size x size by Pillow."""
    from PIL import Image

    if not os.path.isdir(root):
        raise InputError(f"image folder not found: {root}")
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    images, labels = [], []
    for index, name in enumerate(classes):
        for file in sorted(os.listdir(os.path.join(root, name))):
            if file.lower().endswith(IMAGE_SUFFIXES):
                with Image.open(os.path.join(root, name, file)) as image:
                    images.append(np.asarray(image.convert(mode).resize((size, size), Image.BILINEAR)))
                labels.append(index)
    if not images:
        raise InputError(f"{root}: no images in class sub-folders (expected root/<class>/<image>.png)")
    return np.stack(images), np.array(labels, dtype=np.int64), classes


def batch_order(count: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffled sample order of an epoch: a function of (seed, epoch) only, so a run resumed at
    any epoch sees the same batches as an uninterrupted one."""
    return np.random.default_rng([seed, epoch]).permutation(count)
