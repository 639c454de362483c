"""SGEMM GFLOP/s: cnnengine's packed 6x16 kernel vs numpy (OpenBLAS) at 1 and 2 threads.

Square sizes and the GEMM shapes of ResNet-18's convolutions at batch 1
(M = Cout, N = OH*OW, K = Cin*kh*kw). Both sides get fresh random float32 inputs and pack
what they need per call (cnnengine packs A and B, as OpenBLAS does); medians of interleaved runs.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_gemm.py
(OpenBLAS reads those variables at load time; unset them in this one command only.)
"""
import argparse
import os
import sys

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnengine  # noqa: E402
from cnnengine import _C  # noqa: E402
from timing import markdown_table, median_ms, time_interleaved  # noqa: E402

SQUARE = [256, 512, 1024, 2048]
RESNET18_CONV_GEMMS = [  # (M, N, K) for each distinct conv of ResNet-18 at 224x224, batch 1
    (64, 12544, 147), (64, 3136, 576), (128, 784, 576), (128, 784, 64), (128, 784, 1152),
    (256, 196, 1152), (256, 196, 128), (256, 196, 2304), (512, 49, 2304), (512, 49, 256), (512, 49, 4608),
]


def gflops(m, n, k, ms):
    return 2.0 * m * n * k / (ms * 1e-3) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture')})" for i in threadpool_info()
            if i["user_api"] == "blas"]
    print(f"cnnengine {cnnengine.build_info()} | numpy {np.__version__} with {', '.join(blas)}")
    rng = np.random.default_rng(0)
    rows = []
    for threads in args.threads:
        cnnengine.set_num_threads(threads)
        with threadpool_limits(limits=threads, user_api="blas"):
            for m, n, k in [(s, s, s) for s in SQUARE] + RESNET18_CONV_GEMMS:
                a = rng.standard_normal((m, k), dtype=np.float32)
                b = rng.standard_normal((k, n), dtype=np.float32)
                repeats = args.repeats if m * n * k < 2**30 else max(5, args.repeats // 3)
                times = time_interleaved({"ours": lambda: _C.sgemm(a, b), "numpy": lambda: a @ b}, repeats)
                ours, ref = median_ms(times["ours"]), median_ms(times["numpy"])
                rows.append([threads, f"{m}x{n}x{k}", f"{ours:.3f}", f"{gflops(m, n, k, ours):.1f}",
                             f"{ref:.3f}", f"{gflops(m, n, k, ref):.1f}", f"{ref / ours:.2f}"])
                print(f"  {threads}t {m}x{n}x{k}: {gflops(m, n, k, ours):.1f} vs {gflops(m, n, k, ref):.1f} GFLOP/s",
                      file=sys.stderr)
    print(markdown_table(["threads", "M x N x K", "ours ms", "ours GFLOP/s", "numpy ms", "numpy GFLOP/s",
                          "speed-up"], rows))


if __name__ == "__main__":
    main()
