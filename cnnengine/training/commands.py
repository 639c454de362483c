"""`cnnengine train` and `cnnengine finetune` (registered by cnnengine.cli).

    cnnengine train --model lenet5 --data fashion-mnist --epochs 10 --lr 0.05 --output fashion.npz
    cnnengine finetune --model base.npz --data photos/ --freeze-all-but-head --epochs 5 --output tuned.npz

Data: "fashion-mnist" (the apt package), a folder with one sub-folder of images per class, or
--idx IMAGES LABELS (IDX files, gzipped or not). --curves writes loss/accuracy per epoch as a PNG
(needs matplotlib); --checkpoint saves after every epoch and --resume continues from it."""
import json
import os

import numpy as np

from cnnengine.errors import InputError


def add_training_commands(commands) -> None:
    for name, help_text in (("train", "train a model (zoo name or .npz) on labelled images"),
                            ("finetune", "fine-tune a model file on new classes: new head, frozen layers")):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("--model", required=True, help="zoo name (random init, e.g. lenet5) or model file (.npz)")
        p.add_argument("--data", help="'fashion-mnist', or a folder of class sub-folders of images")
        p.add_argument("--idx", nargs=2, metavar=("IMAGES", "LABELS"), help="IDX image and label files")
        p.add_argument("--val-idx", nargs=2, metavar=("IMAGES", "LABELS"), help="validation IDX files")
        p.add_argument("--epochs", type=int, default=5)
        p.add_argument("--batch-size", type=int, default=64)
        p.add_argument("--lr", type=float, default=0.01)
        p.add_argument("--optimizer", choices=["sgd", "adam", "adamw"], default="sgd")
        p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
        p.add_argument("--weight-decay", type=float, default=0.0)
        p.add_argument("--schedule", choices=["constant", "cosine", "step"], default="cosine")
        p.add_argument("--flip", action="store_true", help="random horizontal flips")
        p.add_argument("--crop-padding", type=int, default=0, help="random crops with this much zero padding")
        p.add_argument("--label-smoothing", type=float, default=0.0)
        p.add_argument("--freeze", nargs="*", default=[], metavar="PREFIX", help="freeze parameters by prefix")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, help="threads (default: all)")
        p.add_argument("--checkpoint", help="checkpoint file, written after every epoch")
        p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
        p.add_argument("--curves", help="PNG file for the training curves (needs matplotlib)")
        p.add_argument("--no-progress", action="store_true")
        p.add_argument("--output", required=True, help="model file to write (.npz)")
        if name == "finetune":
            p.add_argument("--freeze-all-but-head", action="store_true", help="train only the new classifier head")
        p.set_defaults(run=run_training)


def load_data(args, size: int, channels: int):
    """(images, labels, class names, validation or None)."""
    from cnnengine.training import data

    validation = data.load_idx_pair(*args.val_idx) if args.val_idx else None
    if args.idx:
        images, labels = data.load_idx_pair(*args.idx)
        return images, labels, None, validation
    if args.data == "fashion-mnist":
        x_train, y_train, x_test, y_test = data.load_fashion_mnist()
        return x_train, y_train, list(data.FASHION_MNIST_LABELS), validation or (x_test, y_test)
    if args.data:
        images, labels, classes = data.load_image_folder(args.data, size, "L" if channels == 1 else "RGB")
        return images, labels, classes, validation
    raise InputError("give --data (fashion-mnist or a folder) or --idx IMAGES LABELS")


def load_model(args, num_classes):
    from cnnengine import load, zoo

    if os.path.isfile(args.model) or args.model.endswith(".npz"):
        return load(args.model)
    if args.model not in zoo.names():
        raise InputError(f"--model: '{args.model}' is neither a model file nor a zoo name ({', '.join(zoo.names())})")
    return zoo.create(args.model, num_classes=num_classes, seed=args.seed)


def run_training(args) -> int:
    from cnnengine import set_num_threads
    from cnnengine.training import optim
    from cnnengine.training.augment import Augment
    from cnnengine.training.trainer import Trainer
    from cnnengine.training.transfer import freeze, freeze_all_but_head, replace_head

    if args.threads:
        set_num_threads(args.threads)
    probe = load_model(args, 10)
    spec = probe.graph.inputs[0].shape
    channels, size = spec[0], spec[1] or (probe.graph.metadata.get("input_shape") or [3, 224])[1]
    images, labels, classes, validation = load_data(args, size, channels)
    num_classes = len(classes) if classes else int(labels.max()) + 1
    model = load_model(args, num_classes) if args.command == "train" else probe
    head_classes = model.predict(np.zeros((1, channels, size, size), np.float32)).shape[-1]
    if args.command == "finetune" or head_classes != num_classes:
        model = replace_head(model, num_classes, labels=classes, seed=args.seed)
    elif classes:
        model.graph.metadata["labels"] = classes
    if args.command == "finetune" and args.freeze_all_but_head:
        freeze_all_but_head(model)
    if args.freeze:
        freeze(model, prefixes=args.freeze)
    names = model.trainer.trainable()
    if args.optimizer == "sgd":
        optimizer = optim.SGD(model.graph.params, names, args.lr, momentum=args.momentum,
                              weight_decay=args.weight_decay)
    else:
        optimizer = optim.OPTIMIZERS[args.optimizer](model.graph.params, names, args.lr, weight_decay=args.weight_decay)
    schedule = {"constant": lambda: optim.ConstantSchedule(args.lr),
                "cosine": lambda: optim.CosineSchedule(args.lr, args.epochs),
                "step": lambda: optim.StepSchedule(args.lr, max(1, args.epochs // 3))}[args.schedule]()
    recipe = model.preprocessing or {}
    augment = Augment(size, crop_padding=args.crop_padding, hflip=args.flip, mean=recipe.get("mean", [0.0]),
                      std=recipe.get("std", [1.0]), scale=recipe.get("scale", 1 / 255))
    trainer = Trainer(model, optimizer, schedule, augment, args.batch_size, args.seed, args.label_smoothing,
                      progress=not args.no_progress)
    if args.resume:
        if not args.checkpoint or not os.path.isfile(args.checkpoint):
            raise InputError("--resume needs an existing --checkpoint file")
        trainer.load_checkpoint(args.checkpoint)
    history = trainer.fit(images, labels, args.epochs, validation=validation, checkpoint=args.checkpoint)
    for record in history:
        print(json.dumps(record))
    model.save(args.output)
    print(f"wrote {args.output}")
    if args.curves:
        save_curves(history, args.curves)
        print(f"wrote {args.curves}")
    return 0


def save_curves(history, path) -> None:
    """Loss and accuracy per epoch (and validation accuracy) as a PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--curves needs matplotlib (pip install matplotlib)") from None
    epochs = [r["epoch"] for r in history]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [r["loss"] for r in history], marker="o")
    left.set(xlabel="epoch", ylabel="training loss")
    right.plot(epochs, [r["accuracy"] for r in history], marker="o", label="train")
    if "val_top1" in history[0]:
        right.plot(epochs, [r["val_top1"] for r in history], marker="o", label="validation")
    right.set(xlabel="epoch", ylabel="top-1 accuracy")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
