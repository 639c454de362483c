"""Cython augmentation kernel vs the numpy equivalent (random crop with padding 4, horizontal
flip, normalise, HWC uint8 -> CHW float32) on a batch of 256 images; same boxes and flips on
both sides, medians of interleaved runs.

    PYTHONPATH=. python benchmarks/augment_bench.py [--threads 1] [--repeats 50]
"""
import argparse
import time

import numpy as np

from cnnengine import _C
from cnnengine.training.augment import Augment, augment_numpy


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    _C.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    for shape in [(256, 28, 28, 1), (256, 32, 32, 3), (256, 64, 64, 3)]:
        images = rng.integers(0, 256, shape, dtype=np.uint8)
        augment = Augment(shape[1], crop_padding=4, hflip=True, mean=[0.5] * shape[3], std=[0.25] * shape[3])
        boxes = augment.boxes(shape[0], shape[1], shape[2], np.random.default_rng(1))
        flips = (np.random.default_rng(2).random(shape[0]) < 0.5).astype(np.uint8)
        ours, numpy_times = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            augment(images, np.random.default_rng(1))
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            augment_numpy(images, boxes, flips, augment.gain, augment.offset)
            numpy_times.append(time.perf_counter() - start)
        a, b = np.median(ours) * 1e3, np.median(numpy_times) * 1e3
        print(f"{shape}: cython {a:.3f} ms, numpy {b:.3f} ms, numpy/cython {b / a:.1f}x ({args.threads} thread(s))")


if __name__ == "__main__":
    main()
