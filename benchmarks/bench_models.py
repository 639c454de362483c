"""Whole-model latency: cnnengine vs PyTorch (eager, inference_mode) with the same weights.

Models: LeNet-5 (batch 1 and 64), AlexNet, VGG-16, GoogLeNet, ResNet-18, ResNet-50 (batch 1 and 8),
at 1 and 2 threads. The driver builds each torchvision model from a fixed seed once, saves its
state_dict (.pt) and the converted cnnengine model (.npz) to a temporary folder; each engine then
runs in its own worker process (idle OpenMP pools of two engines in one process steal each other's
cores), in alternating rounds. Inputs are random; warm-up calls are excluded; medians and p90 over
all timed calls (at least --repeats, fewer only when a case exceeds --budget seconds per round).

    python benchmarks/bench_models.py [--models resnet18 lenet5] [--threads 1 2] [--repeats 20] [--algo gemm]

--algo sets cnnengine's conv algorithm for every layer it fits ("gemm": the im2col+GEMM path alone).
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import markdown_table, median_ms, p90_ms, run_rounds  # noqa: E402

# name -> (torchvision constructor or None for LeNet, input size, batches)
MODELS = {
    "lenet5": (None, (1, 28, 28), (1, 64)),
    "alexnet": ("alexnet", (3, 224, 224), (1, 8)),
    "vgg16": ("vgg16", (3, 224, 224), (1, 8)),
    "googlenet": ("googlenet", (3, 224, 224), (1, 8)),
    "resnet18": ("resnet18", (3, 224, 224), (1, 8)),
    "resnet50": ("resnet50", (3, 224, 224), (1, 8)),
}


def torch_model(name):
    import torch
    import torchvision

    torch.manual_seed(0)
    arch = MODELS[name][0]
    if arch is None:
        nn = torch.nn
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                             nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)).eval()
    kwargs = {"aux_logits": False, "init_weights": True} if arch == "googlenet" else {}
    return getattr(torchvision.models, arch)(weights=None, **kwargs).eval()


def prepare(models, folder):
    """Saves <name>.pt (the PyTorch module) and <name>.npz (converted) for each model."""
    import torch

    from cnnengine.convert import from_torch

    for name in models:
        module = torch_model(name)
        torch.save(module, os.path.join(folder, f"{name}.pt"))
        from_torch(module, example_shape=(1,) + MODELS[name][1], name=name).save(os.path.join(folder, f"{name}.npz"))


def timed_calls(fn, repeats, budget):
    for _ in range(3):
        fn()
    samples, start = [], time.perf_counter()
    while len(samples) < repeats and (len(samples) < 5 or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def worker(engine, folder, models, threads, repeats, budget, algo):
    rng = np.random.default_rng(0)
    results = {}
    if engine == "cnnengine":
        import cnnengine

        cnnengine.set_num_threads(threads)
        for name in models:
            model = cnnengine.load(os.path.join(folder, f"{name}.npz"), algo=algo)
            for batch in MODELS[name][2]:
                x = rng.standard_normal((batch,) + MODELS[name][1], dtype=np.float32)
                results[f"{name}/{batch}"] = timed_calls(lambda: model.predict(x), repeats, budget)
    else:
        import torch

        torch.set_num_threads(threads)
        with torch.inference_mode():
            for name in models:
                module = torch.load(os.path.join(folder, f"{name}.pt"), weights_only=False)
                for batch in MODELS[name][2]:
                    x = torch.from_numpy(rng.standard_normal((batch,) + MODELS[name][1], dtype=np.float32))
                    results[f"{name}/{batch}"] = timed_calls(lambda: module(x), repeats, budget)
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per case and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per case and round, at least 5 calls")
    parser.add_argument("--algo", help="cnnengine's conv algorithm for every layer it fits: gemm, "
                                       "winograd_f23|f43|f63 or auto (default: the model's own choice)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--worker-threads", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.folder, args.models, args.worker_threads, args.repeats, args.budget,
                      args.algo)

    with tempfile.TemporaryDirectory() as folder:
        prepare(args.models, folder)
        rows = []
        for threads in args.threads:
            worker_args = ["--folder", folder, "--models", *args.models, "--worker-threads", str(threads),
                           "--repeats", str(args.repeats), "--budget", str(args.budget)]
            worker_args += ["--algo", args.algo] if args.algo else []
            results = run_rounds(__file__, ["cnnengine", "torch"], worker_args, args.rounds)
            for case in results["cnnengine"]:
                ours, ref = results["cnnengine"][case], results["torch"][case]
                name, batch = case.split("/")
                rows.append([name, batch, threads, f"{median_ms(ours):.3f} ({p90_ms(ours):.3f})",
                             f"{median_ms(ref):.3f} ({p90_ms(ref):.3f})", f"{median_ms(ours) / median_ms(ref):.2f}",
                             len(ours)])
            print(f"  done: {threads} thread(s)", file=sys.stderr)
    print(markdown_table(["model", "batch", "threads", "cnnengine ms (p90)", "PyTorch ms (p90)",
                          "cnnengine / PyTorch", "calls"], rows))


if __name__ == "__main__":
    main()
