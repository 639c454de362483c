"""Latency and throughput of one model on this machine (`cnnengine bench MODEL`).

Random float32 inputs, warm-up calls excluded; every timed call is kept so the caller can take
medians and percentiles. For the side-by-side comparison with other engines see benchmarks/suite.
"""
import time
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from cnnengine.errors import InputError


def time_calls(fn: Callable[[], object], runs: int, warmup: int = 3, warmup_seconds: float = 0.05) -> List[float]:
    """Seconds taken by each of `runs` calls of fn, after `warmup` untimed calls and, when warmup > 0,
    more until `warmup_seconds` have passed: in a fresh process the pool's second worker sometimes
    took part only after the first few milliseconds (a 0.08 ms GEMM ran at one thread's 0.15 ms
    in one process start of eight), which skewed short cases timed first."""
    start = time.perf_counter()
    for _ in range(warmup):
        fn()
    while warmup > 0 and time.perf_counter() - start < warmup_seconds:
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def input_shape(model, batch: int, size: Optional[Sequence[int]] = None) -> Tuple[int, ...]:
    """batch x C x H x W for the model's input: the declared size, else `size` (H, W), else the
    canonical size stored in the model file's metadata."""
    declared = tuple(model.inputs[0]["shape"][1:])
    if size is not None:
        if len(size) != len(declared) - 1:
            raise InputError(f"--size takes {len(declared) - 1} numbers for input {declared}, got {list(size)}")
        fixed = [d for d, s in zip(declared[1:], size) if d is not None and d != s]
        if fixed:
            raise InputError(f"model '{model.name}' takes a fixed input of {declared}; "
                             f"--size {list(size)} does not fit")
        return (batch, declared[0]) + tuple(size)
    if None not in declared:
        return (batch,) + declared
    canonical = model.graph.metadata.get("input_shape")
    if not canonical:
        raise InputError(f"model '{model.name}' accepts any input size {declared} and stores no canonical size; "
                         "give one with --size H W")
    return (batch,) + tuple(canonical)


def random_input(model, batch: int, size: Optional[Sequence[int]] = None, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(input_shape(model, batch, size), dtype=np.float32)


def bench(model, batch: int, runs: int, warmup: int, size: Optional[Sequence[int]] = None, seed: int = 0) -> dict:
    """{"shape", "samples" (seconds), "median_ms", "p90_ms", "min_ms", "images_per_s"} of model.predict."""
    x = random_input(model, batch, size, seed)
    shape = x.shape
    samples = time_calls(lambda: model.predict(x), runs, warmup)
    median = float(np.median(samples))
    return {"shape": shape, "samples": samples, "median_ms": median * 1e3,
            "p90_ms": float(np.percentile(samples, 90)) * 1e3, "min_ms": min(samples) * 1e3,
            "images_per_s": batch / median}


def layer_profile(model, batch: int, runs: int, warmup: int, size: Optional[Sequence[int]] = None,
                  seed: int = 0) -> List[dict]:
    """Model.profile on the input that bench() times."""
    return model.profile(random_input(model, batch, size, seed), runs, warmup)
