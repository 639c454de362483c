"""Denormal weights cost nothing: ResNet-18 (random init, 112 x 112 input, batch 1) with every
weight scaled into the denormal range (|w| < 1.2e-38) against the same network with those
weights zeroed. Kernels flush denormals to zero (FTZ/DAZ) in every thread while they compute; on
x86 a denormal operand otherwise costs ~100 cycles. Alternating calls, medians and p90.

    python benchmarks/bench_denormals.py [--repeats 20]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import time_calls  # noqa: E402

DENORMAL_SCALE = np.float32(1e-39)


def variants():
    from cnnengine import Graph, Model, zoo

    graph = zoo.build_graph("resnet18", seed=0)
    denormal = {name: (value * DENORMAL_SCALE).astype(np.float32) if name.endswith("weight") and value.ndim > 1
                else value for name, value in graph.params.items()}
    scaled = [v for n, v in denormal.items() if n.endswith("weight") and v.ndim > 1]
    share = sum(int(((v != 0) & (np.abs(v) < np.finfo(np.float32).tiny)).sum()) for v in scaled) / sum(v.size for v in scaled)
    zeroed = {name: np.where(np.abs(value) < np.finfo(np.float32).tiny, np.float32(0), value).astype(np.float32)
              for name, value in denormal.items()}
    models = {label: Model(Graph.from_structure(graph.structure(), params, dict(graph.metadata)))
              for label, params in (("denormal weights", denormal), ("zeroed weights", zeroed))}
    return models, share


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    models, share = variants()
    x = np.random.default_rng(0).standard_normal((1, 3, 112, 112), dtype=np.float32)
    samples = {label: [] for label in models}
    for _ in range(args.repeats):
        for label, model in models.items():
            samples[label] += time_calls(lambda: model.predict(x), runs=1, warmup=1)
    print(f"ResNet-18 112x112 batch 1; {share:.1%} of conv/linear weights denormal in the first model\n")
    print("| weights | median ms | p90 ms |\n|---|---|---|")
    for label, times in samples.items():
        print(f"| {label} | {np.median(times) * 1e3:.2f} | {np.percentile(times, 90) * 1e3:.2f} |")


if __name__ == "__main__":
    main()
