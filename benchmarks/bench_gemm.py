"""SGEMM GFLOP/s: cnnengine's packed SGEMM (6x16 tiles; 6x32 on AVX-512) vs numpy (OpenBLAS), 1 and 2 threads.

Square sizes and the GEMM shapes of ResNet-18's convolutions at batch 1
(M = Cout, N = OH*OW, K = Cin*kh*kw). Both sides get the same random float32 inputs and pack
what they need per call (cnnengine packs A and B, as OpenBLAS does). Each engine runs in its own
process (see timing.py), in alternating rounds; medians over all rounds.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_gemm.py
(OpenBLAS reads those variables at load time; unset them in this one command only.)
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import markdown_table, median_ms, run_rounds, time_calls  # noqa: E402

SQUARE = [256, 512, 1024, 2048]
RESNET18_CONV_GEMMS = [  # (M, N, K) for each distinct conv of ResNet-18 at 224x224, batch 1
    (64, 12544, 147), (64, 3136, 576), (128, 784, 576), (128, 784, 64), (128, 784, 1152),
    (256, 196, 1152), (256, 196, 128), (256, 196, 2304), (512, 49, 2304), (512, 49, 256), (512, 49, 4608),
]
SHAPES = [(s, s, s) for s in SQUARE] + RESNET18_CONV_GEMMS


def worker(engine, threads, repeats):
    """Times every shape with one engine in this process; prints {"MxNxK": [seconds]} as JSON."""
    rng = np.random.default_rng(0)
    if engine == "cnnengine":
        import cnnengine
        from cnnengine import _C

        cnnengine.set_num_threads(threads)
        multiply = _C.sgemm
        info = cnnengine.build_info()
    else:
        from threadpoolctl import threadpool_info, threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")
        multiply = np.matmul
        info = [f"{i['internal_api']} {i['version']} ({i.get('architecture')})" for i in threadpool_info()
                if i["user_api"] == "blas"]
    print(f"{engine}: {info}", file=sys.stderr)
    results = {}
    for m, n, k in SHAPES:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        count = repeats if m * n * k < 2**30 else max(3, repeats // 4)
        results[f"{m}x{n}x{k}"] = time_calls(lambda: multiply(a, b), count)
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11, help="timed calls per shape and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-threads", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.worker_threads, args.repeats)

    rows = []
    for threads in args.threads:
        results = run_rounds(__file__, ["cnnengine", "numpy"],
                             ["--worker-threads", str(threads), "--repeats", str(args.repeats)], args.rounds)
        for m, n, k in SHAPES:
            case = f"{m}x{n}x{k}"
            ours, ref = median_ms(results["cnnengine"][case]), median_ms(results["numpy"][case])
            flop = 2.0 * m * n * k
            rows.append([threads, case, f"{ours:.3f}", f"{flop / ours / 1e6:.1f}", f"{ref:.3f}",
                         f"{flop / ref / 1e6:.1f}", f"{ref / ours:.2f}"])
    print(markdown_table(["threads", "M x N x K", "ours ms", "ours GFLOP/s", "numpy ms", "numpy GFLOP/s",
                          "speed-up"], rows))


if __name__ == "__main__":
    main()
