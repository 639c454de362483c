"""Training speed against PyTorch, same weights and data, each engine in its own process,
alternating rounds (timing.py): one SGD-momentum training step (forward, loss, backward, update)
of LeNet-5 at batch 64 on 28x28 input, and of ResNet-18 at batch 16 on 224x224 input. A LeNet-5
epoch on Fashion-MNIST (60000 images) is 938 such steps.

    PYTHONPATH=. python benchmarks/bench_training.py [--threads 2] [--rounds 3] [--repeats 10]
"""
import argparse
import json
import os
import sys

import numpy as np

from timing import markdown_table, median_ms, p90_ms, run_rounds, time_calls

CASES = {"lenet5": (64, 1, 28), "resnet18": (16, 3, 224)}


def batch(name):
    n, channels, size = CASES[name]
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, channels, size, size)).astype(np.float32), rng.integers(0, 10, n)


def ours_step(name):
    from cnnengine import zoo
    from cnnengine.training.optim import SGD

    model = zoo.create(name, num_classes=10, seed=0).train()
    optimizer = SGD(model.graph.params, model.trainer.trainable(), lr=0.01, momentum=0.9)
    x, y = batch(name)
    return lambda: optimizer.step(model.trainer.loss_and_grads(x, y)[2])


def torch_step(name):
    import torch

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "training"))
    from twins import torch_twin

    module = torch_twin(torch, name, 10).train()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.01, momentum=0.9)
    x, y = (torch.tensor(a) for a in batch(name))

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(module(x), y).backward()
        optimizer.step()

    return step


def worker(engine, threads, repeats):
    if engine == "torch":
        import torch

        torch.set_num_threads(threads)
        make = torch_step
    else:
        from cnnengine import set_num_threads

        set_num_threads(threads)
        make = ours_step
    results = {}
    for name in CASES:
        step = make(name)
        results[name] = time_calls(step, repeats if name == "resnet18" else repeats * 10, warmup=2)
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.threads, args.repeats)
    results = run_rounds(__file__, ["cnnengine", "torch"], ["--threads", str(args.threads), "--repeats",
                                                            str(args.repeats)], args.rounds)
    rows = []
    for name in CASES:
        ours, theirs = results["cnnengine"][name], results["torch"][name]
        rows.append((f"{name} step, batch {CASES[name][0]}", f"{median_ms(ours):.1f} ({p90_ms(ours):.1f})",
                     f"{median_ms(theirs):.1f} ({p90_ms(theirs):.1f})", f"{median_ms(ours) / median_ms(theirs):.2f}"))
    print(markdown_table(["case", "cnnengine ms (p90)", "PyTorch ms (p90)", "ours / PyTorch"], rows))
    print(f"{args.threads} thread(s); LeNet-5 epoch = 938 steps")


if __name__ == "__main__":
    main()
