"""Transfer-learning experiment on Fashion-MNIST (issue 5, item 9): a small ResNet is trained on
classes 0-4, frozen, and a new head is trained on classes 5-9 with 100 images per class; the same
network trained from scratch on those 500 images is the baseline. Prints both test accuracies
(on all test images of classes 5-9).

    PYTHONPATH=. python scripts/transfer_fashion.py [--base-epochs 2] [--epochs 15] [--threads 2]
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cnnengine import GraphBuilder, set_num_threads  # noqa: E402
from cnnengine.training.augment import Augment  # noqa: E402
from cnnengine.training.data import load_fashion_mnist  # noqa: E402
from cnnengine.training.optim import SGD, CosineSchedule  # noqa: E402
from cnnengine.training.trainer import Trainer  # noqa: E402
from cnnengine.training.transfer import freeze_all_but_head, replace_head  # noqa: E402


def small_resnet(seed):
    """Stem conv 16 + three basic blocks (16, 32 /2, 64 /2) + global pooling + linear(5)."""
    b = GraphBuilder("small_resnet", input_shape=(1, 28, 28), seed=seed)

    def conv_bn(x, channels, stride, name, relu=True):
        x = b.batch_norm(b.conv2d(x, channels, 3, stride=stride, padding=1, bias=False, name=f"{name}.conv"),
                         name=f"{name}.bn")
        return b.relu(x, name=f"{name}.relu") if relu else x

    x = conv_bn(b.input, 16, 1, "stem")
    for index, (channels, stride) in enumerate(((16, 1), (32, 2), (64, 2))):
        name = f"block{index}"
        y = conv_bn(conv_bn(x, channels, stride, f"{name}.a"), channels, 1, f"{name}.b", relu=False)
        if stride != 1:
            x = b.batch_norm(b.conv2d(x, channels, 1, stride=stride, bias=False, name=f"{name}.down.conv"),
                             name=f"{name}.down.bn")
        x = b.relu(b.add(y, x, name=f"{name}.add"), name=f"{name}.out")
    x = b.flatten(b.adaptive_avg_pool2d(x, 1, name="pool"), name="flatten")
    x = b.linear(x, 5, name="fc")
    return b.build_model(outputs=[x], metadata={"preprocessing": {"mode": "L", "resize": 28, "crop": 28,
                                                                  "mean": [0.5], "std": [0.5], "scale": 1 / 255}})


def train(model, images, labels, epochs, lr, test):
    optimizer = SGD(model.graph.params, model.trainer.trainable(), lr=lr, momentum=0.9, weight_decay=5e-4)
    trainer = Trainer(model, optimizer, CosineSchedule(lr, epochs), Augment(28, hflip=True, mean=[0.5], std=[0.5]),
                      batch_size=64, progress=False)
    trainer.fit(images, labels, epochs)
    return trainer.evaluate(*test)["top1"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-epochs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    set_num_threads(args.threads)
    x_train, y_train, x_test, y_test = load_fashion_mnist()
    first = y_train < 5
    base = small_resnet(seed=0)
    base_top1 = train(base, x_train[first], y_train[first], args.base_epochs, 0.05,
                      (x_test[y_test < 5], y_test[y_test < 5]))
    rng = np.random.default_rng(0)
    few = np.concatenate([rng.choice(np.flatnonzero(y_train == c), 100, replace=False) for c in range(5, 10)])
    test = (x_test[y_test >= 5], y_test[y_test >= 5] - 5)
    freeze_all_but_head(base)
    transferred = replace_head(base, 5, seed=1)
    transfer_top1 = train(transferred, x_train[few], y_train[few] - 5, args.epochs, 0.05, test)
    scratch_top1 = train(small_resnet(seed=1), x_train[few], y_train[few] - 5, args.epochs, 0.05, test)
    print(json.dumps({"base_top1_classes_0_4": base_top1, "transfer_top1_classes_5_9": transfer_top1,
                      "scratch_top1_classes_5_9": scratch_top1, "images_per_class": 100}))


if __name__ == "__main__":
    main()
