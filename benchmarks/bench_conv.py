"""Per-layer convolution speed: cnnengine Conv2d vs torch.nn.functional.conv2d on ResNet-18's
distinct conv shapes (224x224 input), batch 1, at 1 and 2 threads.

Same random weights and inputs on both sides; cnnengine's weights are packed once beforehand,
as a loaded model does. Interleaved runs, median (and p90) milliseconds and GFLOP/s.

    python benchmarks/bench_conv.py
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnengine  # noqa: E402
from cnnengine import _C  # noqa: E402
from timing import markdown_table, median_ms, p90_ms, time_interleaved  # noqa: E402

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    print(f"cnnengine {cnnengine.build_info()} | torch {torch.__version__}")
    rng = np.random.default_rng(0)
    rows = []
    for threads in args.threads:
        cnnengine.set_num_threads(threads)
        torch.set_num_threads(threads)
        for name, cin, hw, cout, k, s, p in RESNET18_CONVS:
            x = rng.standard_normal((args.batch, cin, hw, hw), dtype=np.float32)
            w = (rng.standard_normal((cout, cin, k, k), dtype=np.float32) / np.sqrt(cin * k * k)).astype(np.float32)
            b = rng.standard_normal(cout, dtype=np.float32)
            conv = _C.Conv2d(w, b, stride=s, padding=p)
            xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
            with torch.inference_mode():
                times = time_interleaved({
                    "ours": lambda: conv.forward(x),
                    "torch": lambda: F.conv2d(xt, wt, bt, stride=s, padding=p),
                }, args.repeats)
            out = (hw + 2 * p - k) // s + 1
            flop = 2.0 * args.batch * cout * cin * k * k * out * out
            ours, ref = median_ms(times["ours"]), median_ms(times["torch"])
            rows.append([threads, name, f"{cin}x{hw}² → {cout}, {k}x{k}/{s}", f"{ours:.3f} ({p90_ms(times['ours']):.3f})",
                         f"{flop / ours / 1e6:.1f}", f"{ref:.3f} ({p90_ms(times['torch']):.3f})",
                         f"{flop / ref / 1e6:.1f}", f"{ref / ours:.2f}"])
            print(f"  {threads}t {name}: {ours:.3f} ms vs torch {ref:.3f} ms", file=sys.stderr)
    print(markdown_table(["threads", "layer", "shape", "ours ms (p90)", "ours GFLOP/s", "torch ms (p90)",
                          "torch GFLOP/s", "speed-up"], rows))


if __name__ == "__main__":
    main()
