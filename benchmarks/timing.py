"""Timing helpers shared by the benchmarks.

Each engine is timed in its own worker process: OpenMP/OpenBLAS thread pools keep spinning for
a while after a call, so two engines in one process steal each other's cores. The driver runs
the workers in alternating rounds (ours, theirs, ours, ...) and keeps every sample, so machine
noise hits both sides alike; medians and p90 are taken over all rounds.
"""
import json
import subprocess
import sys

import numpy as np

from cnnengine.bench import time_calls  # noqa: F401 (the scripts import it from here)


def run_rounds(script, engines, worker_args, rounds):
    """Runs `script --worker ENGINE *worker_args` for each engine, `rounds` times alternating.

    A worker prints one JSON object {case: [seconds, ...]}; returns {engine: {case: [seconds]}}.
    """
    results = {engine: {} for engine in engines}
    for _ in range(rounds):
        for engine in engines:
            output = subprocess.run([sys.executable, script, "--worker", engine, *worker_args],
                                    check=True, capture_output=True, text=True).stdout
            for case, samples in json.loads(output.splitlines()[-1]).items():
                results[engine].setdefault(case, []).extend(samples)
    return results


def median_ms(seconds):
    return float(np.median(seconds)) * 1e3


def p90_ms(seconds):
    return float(np.percentile(seconds, 90)) * 1e3


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
