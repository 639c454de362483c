"""Timing helpers shared by the benchmarks: interleaved repeats, medians and p90."""
import time

import numpy as np


def time_interleaved(functions, repeats=21, warmup=3):
    """Times each callable `repeats` times, round-robin so that machine noise hits all alike.

    Returns {name: array of seconds}. Warm-up calls are excluded.
    """
    for fn in functions.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: np.array(values) for name, values in samples.items()}


def median_ms(seconds):
    return float(np.median(seconds)) * 1e3


def p90_ms(seconds):
    return float(np.percentile(seconds, 90)) * 1e3


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
