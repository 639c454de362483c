"""Per-layer convolution speed: cnnengine Conv2d vs torch.nn.functional.conv2d on ResNet-18's
distinct conv shapes (224x224 input), batch 1, at 1 and 2 threads.

Same random weights and inputs on both sides; cnnengine's weights are packed once beforehand for
the algorithm a loaded model picks by default (conv_algorithm.heuristic: Winograd on 3x3
stride-1 layers), as a loaded model does; PyTorch runs under inference_mode. Each engine runs in its own process
(see timing.py), in alternating rounds; median (and p90) milliseconds and GFLOP/s over all rounds.

    python benchmarks/bench_conv.py
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import markdown_table, median_ms, p90_ms, run_rounds, time_calls  # noqa: E402

# (name, Cin, H=W, Cout, kernel, stride, padding)
RESNET18_CONVS = [
    ("conv1", 3, 224, 64, 7, 2, 3),
    ("layer1 3x3", 64, 56, 64, 3, 1, 1),
    ("layer2.0 3x3 s2", 64, 56, 128, 3, 2, 1),
    ("layer2.0 downsample", 64, 56, 128, 1, 2, 0),
    ("layer2 3x3", 128, 28, 128, 3, 1, 1),
    ("layer3.0 3x3 s2", 128, 28, 256, 3, 2, 1),
    ("layer3.0 downsample", 128, 28, 256, 1, 2, 0),
    ("layer3 3x3", 256, 14, 256, 3, 1, 1),
    ("layer4.0 3x3 s2", 256, 14, 512, 3, 2, 1),
    ("layer4.0 downsample", 256, 14, 512, 1, 2, 0),
    ("layer4 3x3", 512, 7, 512, 3, 1, 1),
]


def layer_tensors(rng, batch, cin, hw, cout, k):
    x = rng.standard_normal((batch, cin, hw, hw), dtype=np.float32)
    w = (rng.standard_normal((cout, cin, k, k), dtype=np.float32) / np.sqrt(cin * k * k)).astype(np.float32)
    b = rng.standard_normal(cout, dtype=np.float32)
    return x, w, b


def worker(engine, threads, batch, repeats):
    """Times every layer with one engine in this process; prints {layer: [seconds]} as JSON."""
    rng = np.random.default_rng(0)
    results = {}
    if engine == "cnnengine":
        import cnnengine
        from cnnengine import _C
        from cnnengine.conv_algorithm import heuristic
        from cnnengine.graph import Node

        cnnengine.set_num_threads(threads)
        for name, cin, hw, cout, k, s, p in RESNET18_CONVS:
            x, w, b = layer_tensors(rng, batch, cin, hw, cout, k)
            node = Node(name, "conv2d", ["x"], {"in_channels": cin, "out_channels": cout, "kernel_size": k,
                                                "stride": s, "padding": p})
            conv = _C.Conv2d(w, b, stride=s, padding=p, algorithm=heuristic(node, x.shape))
            results[name] = time_calls(lambda: conv.forward(x), repeats)
    else:
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(threads)
        with torch.inference_mode():
            for name, cin, hw, cout, k, s, p in RESNET18_CONVS:
                x, w, b = (torch.from_numpy(t) for t in layer_tensors(rng, batch, cin, hw, cout, k))
                results[name] = time_calls(lambda: F.conv2d(x, w, b, stride=s, padding=p), repeats)
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per layer and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-threads", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.worker_threads, args.batch, args.repeats)

    rows = []
    for threads in args.threads:
        results = run_rounds(__file__, ["cnnengine", "torch"], ["--worker-threads", str(threads), "--batch",
                                                                str(args.batch), "--repeats", str(args.repeats)],
                             args.rounds)
        for name, cin, hw, cout, k, s, p in RESNET18_CONVS:
            ours, ref = results["cnnengine"][name], results["torch"][name]
            out = (hw + 2 * p - k) // s + 1
            flop = 2.0 * args.batch * cout * cin * k * k * out * out
            rows.append([threads, name, f"{cin}x{hw}² → {cout}, {k}x{k}/{s}",
                         f"{median_ms(ours):.3f} ({p90_ms(ours):.3f})", f"{flop / median_ms(ours) / 1e6:.1f}",
                         f"{median_ms(ref):.3f} ({p90_ms(ref):.3f})", f"{flop / median_ms(ref) / 1e6:.1f}",
                         f"{median_ms(ref) / median_ms(ours):.2f}"])
    print(markdown_table(["threads", "layer", "shape", "ours ms (p90)", "ours GFLOP/s", "torch ms (p90)",
                          "torch GFLOP/s", "speed-up"], rows))


if __name__ == "__main__":
    main()
