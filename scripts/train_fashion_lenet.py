"""Trains the shipped model cnnengine/models/fashion-lenet.npz: LeNet-5 on Fashion-MNIST
(apt-get install -y dataset-fashion-mnist), reproducibly (seeded init, batch order, flips).

    PYTHONPATH=. python scripts/train_fashion_lenet.py                 # cnnengine, writes the model
    PYTHONPATH=. python scripts/train_fashion_lenet.py --engine torch  # the same recipe in PyTorch

Recipe: zoo.lenet5 init (seed 0), SGD lr 0.05 momentum 0.9 weight decay 5e-4, cosine schedule
over 10 epochs, batch 64, random horizontal flips, images scaled to [0, 1] and normalised with
mean 0.5 / std 0.5 (the model's stored recipe). The PyTorch run starts from the same weights and
sees exactly the same batches (made by the same Augment with the same seeds). Prints per-epoch
loss, accuracy, seconds and test accuracy; --samples writes a few test images as PNG files.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from cnnengine import set_num_threads, zoo  # noqa: E402
from cnnengine.training.augment import Augment  # noqa: E402
from cnnengine.training.data import FASHION_MNIST_LABELS, batch_order, load_fashion_mnist  # noqa: E402
from cnnengine.training.optim import SGD, CosineSchedule  # noqa: E402
from cnnengine.training.trainer import Trainer  # noqa: E402

RECIPE = dict(lr=0.05, momentum=0.9, weight_decay=5e-4, epochs=10, batch=64, seed=0)
OUTPUT = os.path.join(HERE, "..", "cnnengine", "models", "fashion-lenet.npz")


def augment():
    return Augment(28, hflip=True, mean=[0.5], std=[0.5])


def train_cnnengine(data, epochs, progress):
    x_train, y_train, x_test, y_test = data
    model = zoo.create("lenet5", num_classes=10, seed=RECIPE["seed"])
    model.graph.metadata["labels"] = list(FASHION_MNIST_LABELS)
    model.graph.metadata["name"] = "fashion-lenet"
    optimizer = SGD(model.graph.params, model.trainer.trainable(), lr=RECIPE["lr"], momentum=RECIPE["momentum"],
                    weight_decay=RECIPE["weight_decay"])
    trainer = Trainer(model, optimizer, CosineSchedule(RECIPE["lr"], epochs), augment(), RECIPE["batch"],
                      RECIPE["seed"], progress=progress)
    history = trainer.fit(x_train, y_train, epochs, validation=(x_test, y_test))
    return model, history


def train_torch(data, epochs):
    import torch

    sys.path.insert(0, os.path.join(HERE, "..", "tests", "training"))
    from twins import load_into, torch_twin

    x_train, y_train, x_test, y_test = data
    module = load_into(torch, torch_twin(torch, "lenet5", 10), zoo.create("lenet5", seed=RECIPE["seed"]).graph.params)
    optimizer = torch.optim.SGD(module.parameters(), lr=RECIPE["lr"], momentum=RECIPE["momentum"],
                                weight_decay=RECIPE["weight_decay"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
    flips = augment()
    plain = Augment(28, mean=[0.5], std=[0.5])
    test = torch.tensor(plain(x_test, np.random.default_rng(0)))
    history = []
    for epoch in range(epochs):
        module.train()
        order, start, total, correct = batch_order(len(x_train), RECIPE["seed"], epoch), time.perf_counter(), 0.0, 0
        for index, first in enumerate(range(0, len(order), RECIPE["batch"])):
            chosen = order[first:first + RECIPE["batch"]]
            x = torch.tensor(flips(x_train[chosen], np.random.default_rng([RECIPE["seed"], epoch, index])))
            y = torch.tensor(y_train[chosen])
            optimizer.zero_grad()
            logits = module(x)
            loss = torch.nn.functional.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(chosen)
            correct += int((logits.argmax(1) == y).sum())
        seconds = time.perf_counter() - start
        schedule.step()
        module.eval()
        with torch.no_grad():
            val = float((module(test).argmax(1).numpy() == y_test).mean())
        history.append({"epoch": epoch + 1, "loss": total / len(order), "accuracy": correct / len(order),
                        "seconds": seconds, "val_top1": val})
        print(json.dumps(history[-1]), flush=True)
    return history


def write_samples(data, folder, per_class=1):
    from PIL import Image

    _, _, x_test, y_test = data
    os.makedirs(folder, exist_ok=True)
    for label in range(10):
        for i in np.flatnonzero(y_test == label)[:per_class]:
            name = FASHION_MNIST_LABELS[label].lower().replace("/", "-").replace(" ", "-")
            Image.fromarray(x_test[i]).save(os.path.join(folder, f"{name}-{i}.png"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["cnnengine", "torch"], default="cnnengine")
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--output", default=OUTPUT)
    parser.add_argument("--samples", help="folder for one PNG test image per class")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    data = load_fashion_mnist()
    if args.samples:
        write_samples(data, args.samples)
    if args.engine == "torch":
        import torch

        torch.set_num_threads(args.threads)
        train_torch(data, args.epochs)
        return
    set_num_threads(args.threads)
    model, history = train_cnnengine(data, args.epochs, not args.no_progress)
    for record in history:
        print(json.dumps(record), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    model.save(args.output)
    print(f"saved {args.output}: test top-1 {history[-1]['val_top1']:.4f}")


if __name__ == "__main__":
    main()
