"""Imported ONNX models: latency of cnnengine on an ONNX file vs the same network converted
natively (ResNet-18: zoo route from PyTorch, .npz) and vs ONNX Runtime on the same file.

Cases: ResNet-18 and MobileNet-V3-Small (torchvision, random init, exported with
torch.onnx.export at opset 17), 3 x 224 x 224, batch 1, at 1 and 2 threads. Each engine runs in
its own worker process, in alternating rounds (timing.py); ONNX Runtime gets intra_op_num_threads
equal to ours and its default graph optimizations (ORT_ENABLE_ALL).

    python benchmarks/bench_onnx.py [--threads 1 2] [--repeats 20] [--rounds 2]
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import markdown_table, median_ms, p90_ms, run_rounds, time_calls  # noqa: E402

SHAPE = (1, 3, 224, 224)
NETWORKS = ("resnet18", "mobilenet_v3_small")
ENGINES = ("cnnengine-onnx", "cnnengine-native", "onnxruntime")


def prepare(folder):
    """<net>.onnx for every network, and resnet18.npz converted natively from the same weights."""
    import torch
    import torchvision

    from cnnengine.convert import from_torch

    for name in NETWORKS:
        torch.manual_seed(0)
        module = getattr(torchvision.models, name)(weights=None).eval()
        torch.onnx.export(module, torch.randn(SHAPE), os.path.join(folder, f"{name}.onnx"), opset_version=17,
                          dynamo=False, input_names=["input"], dynamic_axes={"input": {0: "batch"}})
        if name == "resnet18":
            from_torch(module, example_shape=SHAPE, name=name, verify=False).save(os.path.join(folder, f"{name}.npz"))


def worker(engine, folder, threads, repeats):
    x = np.random.default_rng(0).standard_normal(SHAPE, dtype=np.float32)
    results = {}
    if engine == "onnxruntime":
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        for name in NETWORKS:
            session = onnxruntime.InferenceSession(os.path.join(folder, f"{name}.onnx"), options,
                                                   providers=["CPUExecutionProvider"])
            results[name] = time_calls(lambda: session.run(None, {"input": x}), repeats)
    else:
        import cnnengine

        cnnengine.set_num_threads(threads)
        names = NETWORKS if engine == "cnnengine-onnx" else ("resnet18",)
        suffix = ".onnx" if engine == "cnnengine-onnx" else ".npz"
        for name in names:
            model = cnnengine.load(os.path.join(folder, name + suffix))
            results[name] = time_calls(lambda: model.predict(x), repeats)
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per case and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--worker-threads", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.folder, args.worker_threads, args.repeats)

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        prepare(folder)
        for threads in args.threads:
            worker_args = ["--folder", folder, "--worker-threads", str(threads), "--repeats", str(args.repeats)]
            results = run_rounds(__file__, list(ENGINES), worker_args, args.rounds)
            for name in NETWORKS:
                cells = [results[e].get(name) for e in ENGINES]
                ours = median_ms(cells[0])
                rows.append([name, threads] + [f"{median_ms(c):.2f} ({p90_ms(c):.2f})" if c else "-" for c in cells] +
                            [f"{ours / median_ms(cells[1]):.3f}" if cells[1] else "-",
                             f"{ours / median_ms(cells[2]):.2f}", len(cells[0])])
            print(f"  done: {threads} thread(s)", file=sys.stderr)
    print(markdown_table(["model (b1, 224)", "threads", "cnnengine on .onnx ms (p90)", "cnnengine native .npz ms (p90)",
                          "ONNX Runtime ms (p90)", "onnx / native", "onnx / ORT", "calls"], rows))


if __name__ == "__main__":
    main()
