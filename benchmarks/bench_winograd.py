"""Winograd vs im2col+GEMM on every distinct 3x3 stride-1 conv of VGG-16 and ResNet-18/50
(ResNet-50's bottleneck 3x3s have ResNet-18's shapes), batch 1, at 1 and 2 threads; then whole
models with Winograd on (the default heuristic choice) and off (algo="gemm"); then the error of
every variant against a float64 convolution on the same layers.

All candidates live in one process and run in interleaved rounds, so machine noise hits them alike;
medians over the rounds. "Effective" GFLOP/s counts the direct convolution's 2*Cout*Cin*9*H*W flops,
so Winograd can pass the FMA peak (93 GFLOP/s per core here).

    python benchmarks/bench_winograd.py [--rounds 9] [--threads 1 2] [--models resnet18 vgg16 resnet50]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import markdown_table  # noqa: E402

# (network(s), Cin, H=W, Cout): 3x3, stride 1, padding 1
LAYERS = [
    ("VGG-16", 3, 224, 64), ("VGG-16", 64, 224, 64), ("VGG-16", 64, 112, 128), ("VGG-16", 128, 112, 128),
    ("VGG-16", 128, 56, 256), ("VGG-16", 256, 56, 256), ("VGG-16", 256, 28, 512), ("VGG-16", 512, 28, 512),
    ("VGG-16", 512, 14, 512),
    ("ResNet-18/50", 64, 56, 64), ("ResNet-18/50", 128, 28, 128), ("ResNet-18/50", 256, 14, 256),
    ("ResNet-18/50", 512, 7, 512),
]
ALGORITHMS = ["gemm", "winograd_f23", "winograd_f43", "winograd_f63"]


def layer_tensors(cin, hw, cout, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, cin, hw, hw), dtype=np.float32)
    w = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32)
    return x, w


def interleaved_medians(calls, rounds, warmup=2):
    """{name: median seconds} of calls run in alternating rounds."""
    for fn in calls.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in calls}
    for _ in range(rounds):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: float(np.median(s)) for name, s in samples.items()}


def layer_table(threads_list, rounds):
    from cnnengine import _C
    from cnnengine.conv_algorithm import heuristic
    from cnnengine.graph import Node

    header = ["layer (Cin, HxW, Cout)", "threads"] + [f"{a} ms (GF/s)" for a in ALGORITHMS] + ["table picks",
                                                                                             "fastest"]
    rows = []
    for threads in threads_list:
        _C.set_num_threads(threads)
        for net, cin, hw, cout in LAYERS:
            x, w = layer_tensors(cin, hw, cout)
            convs = {a: _C.Conv2d(w, None, padding=1, algorithm=a) for a in ALGORITHMS}
            y = np.empty((1, cout, hw, hw), np.float32)
            medians = interleaved_medians({a: (lambda c=c: c.forward(x, out=y)) for a, c in convs.items()}, rounds)
            flops = 2.0 * cout * cin * 9 * hw * hw
            node = Node("conv", "conv2d", ["x"], {"in_channels": cin, "out_channels": cout, "kernel_size": 3,
                                                  "padding": 1})
            pick = heuristic(node, x.shape)
            rows.append([f"{net} {cin}, {hw}x{hw}, {cout}", threads] +
                        [f"{medians[a] * 1e3:.2f} ({flops / medians[a] / 1e9:.0f})" for a in ALGORITHMS] +
                        ["gemm" if pick == "default" else pick, min(medians, key=medians.get)])
            print(f"  {net} {cin}x{hw}x{cout} t{threads} done", file=sys.stderr)
    return markdown_table(header, rows)


def model_table(models, threads_list, rounds):
    from cnnengine import _C, zoo

    header = ["model", "threads", "Winograd off (gemm) ms", "Winograd on (default) ms", "speed-up"]
    rows = []
    for name in models:
        graph = zoo.build_graph(name)
        x = np.random.default_rng(0).standard_normal((1, 3, 224, 224), dtype=np.float32)
        for threads in threads_list:
            _C.set_num_threads(threads)
            from cnnengine import Model

            off, on = Model(graph, algo="gemm"), Model(graph)
            medians = interleaved_medians({"off": lambda: off.predict(x), "on": lambda: on.predict(x)}, rounds)
            rows.append([name, threads, f"{medians['off'] * 1e3:.1f}", f"{medians['on'] * 1e3:.1f}",
                         f"{medians['off'] / medians['on']:.2f}x"])
            print(f"  {name} t{threads} done", file=sys.stderr)
    return markdown_table(header, rows)


def error_table():
    from cnnengine import _C

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "kernels"))
    from test_winograd import conv3x3_float64

    header = ["layer (Cin, HxW, Cout)"] + [f"{a} max rel. error" for a in ALGORITHMS]
    rows, worst = [], {a: 0.0 for a in ALGORITHMS}
    for net, cin, hw, cout in LAYERS:
        x, w = layer_tensors(cin, hw, cout, seed=1)
        exact = conv3x3_float64(x, w, None, 1)
        errors = {}
        for a in ALGORITHMS:
            y = _C.Conv2d(w, None, padding=1, algorithm=a).forward(x)
            errors[a] = float(np.abs(y - exact).max() / np.abs(exact).max())
            worst[a] = max(worst[a], errors[a])
        rows.append([f"{net} {cin}, {hw}x{hw}, {cout}"] + [f"{errors[a]:.1e}" for a in ALGORITHMS])
    rows.append(["**worst**"] + [f"**{worst[a]:.1e}**" for a in ALGORITHMS])
    return markdown_table(header, rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--models", nargs="*", default=["resnet18", "vgg16", "resnet50"])
    parser.add_argument("--no-errors", action="store_true", help="skip the accuracy table")
    args = parser.parse_args()
    import cnnengine

    info = cnnengine.build_info()
    print(f"# Winograd benchmark ({info['isa']}, OpenMP {info['openmp']}, rounds {args.rounds})\n")
    print("## Per layer, batch 1: median ms (effective GFLOP/s)\n")
    print(layer_table(args.threads, args.rounds) + "\n")
    if args.models:
        print("## Whole models, batch 1, 224x224\n")
        print(model_table(args.models, args.threads, args.rounds) + "\n")
    if not args.no_errors:
        print("## Error against a float64 convolution (max|y - y64| / max|y64|)\n")
        print(error_table())


if __name__ == "__main__":
    main()
