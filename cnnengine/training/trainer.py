"""The training loop: shuffled mini-batches, augmentation, loss and gradients, optional gradient
clipping, optimizer step, learning-rate schedule per epoch, tqdm progress (loss, accuracy, img/s,
ETA), validation, and checkpoints (weights, BatchNorm statistics, optimizer state, epoch,
history, dropout RNG) from which a run resumes exactly: batch order and augmentation are
functions of (seed, epoch, batch), so nothing else has to be stored."""
import json
import os
import time
from typing import Dict, List, Optional

import numpy as np

from cnnengine.errors import CnnEngineError, InputError
from cnnengine.training.augment import Augment, as_nhwc
from cnnengine.training.data import batch_order
from cnnengine.training.optim import ConstantSchedule, clip_grad_norm

CHECKPOINT_VERSION = 1


class CheckpointError(CnnEngineError, ValueError):
    """A checkpoint file is unreadable or does not fit the model or optimizer."""


def plain_augment(model, images) -> Augment:
    """No augmentation: scale and normalise by the model's stored recipe (mean/std/scale)."""
    recipe = model.preprocessing or {}
    return Augment(as_nhwc(images).shape[1:3], mean=recipe.get("mean", [0.0]), std=recipe.get("std", [1.0]),
                   scale=recipe.get("scale", 1 / 255))


class Trainer:
    def __init__(self, model, optimizer, schedule=None, augment: Optional[Augment] = None, batch_size: int = 64,
                 seed: int = 0, label_smoothing: float = 0.0, clip_norm: Optional[float] = None,
                 progress: bool = True):
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.model, self.optimizer = model, optimizer
        self.schedule = schedule or ConstantSchedule(optimizer.lr)
        self.augment, self.eval_augment = augment, None
        self.batch_size, self.seed = batch_size, seed
        self.label_smoothing, self.clip_norm, self.progress = label_smoothing, clip_norm, progress
        self.epoch = 0
        self.history: List[Dict] = []
        self.batch_losses: List[float] = []
        model.trainer.seed(seed)

    # -- the loop ---------------------------------------------------------------------------------
    def fit(self, images: np.ndarray, labels: np.ndarray, epochs: int, validation=None,
            checkpoint: Optional[str] = None) -> List[Dict]:
        """Trains until `epochs` epochs are done in all (a resumed trainer continues from its epoch).
        validation: (images, labels) evaluated after each epoch. Returns the history."""
        labels = np.asarray(labels, dtype=np.int64)
        if len(images) != len(labels) or len(images) == 0:
            raise InputError(f"{len(images)} images but {len(labels)} labels")
        augment = self.augment or plain_augment(self.model, images)
        self.eval_augment = plain_augment(self.model, images)
        bars = _progress(self.progress)
        epoch_bar = bars(total=epochs, initial=self.epoch, desc="epochs", unit="epoch")
        while self.epoch < epochs:
            record = self._one_epoch(images, labels, augment, bars)
            if validation is not None:
                record["val_top1"] = self.evaluate(*validation)["top1"]
            self.history.append(record)
            self.epoch += 1
            epoch_bar.update(1)
            epoch_bar.set_postfix(loss=f"{record['loss']:.4f}", acc=f"{record['accuracy']:.3f}",
                                  **({"val": f"{record['val_top1']:.3f}"} if "val_top1" in record else {}))
            if checkpoint:
                self.save_checkpoint(checkpoint)
        epoch_bar.close()
        self.model.eval()
        return self.history

    def _one_epoch(self, images, labels, augment, bars) -> Dict:
        model, lr = self.model.train(), self.schedule.lr(self.epoch)
        self.optimizer.lr = lr
        order = batch_order(len(images), self.seed, self.epoch)
        batches = range(0, len(order), self.batch_size)
        bar = bars(total=len(order), desc=f"epoch {self.epoch + 1}", unit="img", leave=False)
        total_loss = correct = seen = 0
        start = time.perf_counter()
        for index, first in enumerate(batches):
            chosen = order[first:first + self.batch_size]
            x = augment(images[chosen], np.random.default_rng([self.seed, self.epoch, index]))
            loss, logits, grads = model.trainer.loss_and_grads(x, labels[chosen], self.label_smoothing)
            if self.clip_norm is not None:
                clip_grad_norm(grads, self.clip_norm)
            self.optimizer.step(grads)
            self.batch_losses.append(float(loss))
            total_loss += float(loss) * len(chosen)
            correct += int((logits.argmax(axis=1) == labels[chosen]).sum())
            seen += len(chosen)
            bar.update(len(chosen))
            bar.set_postfix(loss=f"{loss:.4f}", acc=f"{correct / seen:.3f}",
                            img_s=f"{seen / (time.perf_counter() - start):.0f}")
        bar.close()
        seconds = time.perf_counter() - start
        return {"epoch": self.epoch + 1, "lr": lr, "loss": total_loss / seen, "accuracy": correct / seen,
                "seconds": seconds, "images_per_second": seen / seconds}

    def evaluate(self, images, labels, topk=(1,)) -> Dict:
        """Accuracy on raw uint8 images, normalised as in training (no augmentation)."""
        augment = self.eval_augment or plain_augment(self.model, images)
        self.model.eval()
        x = augment(images, np.random.default_rng(0))
        return self.model.evaluate(x, labels, topk=topk)

    # -- checkpoints --------------------------------------------------------------------------------
    def save_checkpoint(self, path) -> None:
        """One .npz (no pickle): parameters, optimizer buffers, and a JSON record of the rest."""
        state = self.optimizer.state_dict()
        arrays = {f"param/{name}": value for name, value in self.model.graph.params.items()}
        for name, buffers in state["buffers"].items():
            arrays.update({f"optim/{buffer}/{name}": value for buffer, value in buffers.items()})
        meta = {"version": CHECKPOINT_VERSION, "epoch": self.epoch, "seed": self.seed, "history": self.history,
                "batch_losses": self.batch_losses, "optimizer": {k: state[k] for k in ("kind", "hyper", "steps")},
                "dropout_rng": self.model.trainer.rng_state, "frozen": sorted(self.model.trainer.frozen)}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        temporary = os.fspath(path) + ".tmp.npz"
        np.savez(temporary, **arrays)
        os.replace(temporary, path)  # never leave a half-written checkpoint behind

    def load_checkpoint(self, path) -> None:
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {key: f[key] for key in f.files}
            meta = json.loads(arrays.pop("meta").tobytes().decode())
        except (OSError, ValueError, KeyError) as error:
            raise CheckpointError(f"{path}: not a readable checkpoint ({error})") from None
        if meta.get("version") != CHECKPOINT_VERSION:
            raise CheckpointError(f"{path}: checkpoint version {meta.get('version')} is not supported")
        params = self.model.graph.params
        saved = {key[len("param/"):]: value for key, value in arrays.items() if key.startswith("param/")}
        if set(saved) != set(params) or any(saved[n].shape != params[n].shape for n in params):
            raise CheckpointError(f"{path}: the checkpoint's parameters do not fit model '{self.model.name}'")
        for name, value in saved.items():
            params[name][...] = value  # in place: the optimizer holds these arrays
        buffers: Dict[str, Dict] = {}
        for key, value in arrays.items():
            if key.startswith("optim/"):
                _, buffer, name = key.split("/", 2)
                buffers.setdefault(name, {})[buffer] = value
        self.optimizer.load_state_dict(dict(meta["optimizer"], buffers=buffers))
        self.epoch, self.seed = int(meta["epoch"]), int(meta["seed"])
        self.history, self.batch_losses = meta["history"], meta["batch_losses"]
        self.model.trainer.frozen = set(meta["frozen"])
        self.model.trainer.rng_state = meta["dropout_rng"]


def _progress(enabled: bool):
    """tqdm when progress bars are wanted, else a silent stand-in with the same methods."""
    if enabled:
        from tqdm.auto import tqdm

        return tqdm

    class Silent:
        def __init__(self, *args, **kwargs):
            pass

        def update(self, *args):
            pass

        def set_postfix(self, *args, **kwargs):
            pass

        def close(self):
            pass

    return Silent
