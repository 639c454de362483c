"""Optimizers (SGD with momentum / Nesterov / weight decay, Adam, AdamW), learning-rate schedules
(step, cosine) and gradient clipping, with PyTorch's update rules (torch.optim) so that a step
matches PyTorch's given the same gradients. Parameters are the model's own arrays, updated in
place; state is plain arrays and numbers (state_dict / load_state_dict) for checkpoints."""
import math
from typing import Dict, Iterable

import numpy as np

from cnnengine import _C
from cnnengine.errors import CnnEngineError


class OptimizerStateError(CnnEngineError, ValueError):
    """A saved optimizer state does not fit this optimizer or these parameters."""


class Optimizer:
    kind = ""
    buffer_names: tuple = ()

    def __init__(self, params: Dict[str, np.ndarray], names: Iterable[str], lr: float, weight_decay: float = 0.0):
        self.params = params
        self.names = list(names)
        missing = [n for n in self.names if n not in params]
        if missing:
            raise ValueError(f"optimizer: unknown parameters {missing[:5]}")
        if not lr > 0 or weight_decay < 0:
            raise ValueError(f"optimizer: lr must be > 0 and weight_decay >= 0, got lr={lr}, weight_decay={weight_decay}")
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.steps = 0
        self.state: Dict[str, Dict[str, np.ndarray]] = {}

    def step(self, grads: Dict[str, np.ndarray]) -> None:
        """One update of every parameter that has a gradient."""
        self.steps += 1
        for name in self.names:
            if name in grads:
                self.update(name, self.params[name], grads[name].astype(np.float32, copy=False))

    def update(self, name, param, grad):
        raise NotImplementedError

    def hyper(self) -> Dict:
        return {"lr": self.lr, "weight_decay": self.weight_decay}

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> Dict:
        """{"kind", "hyper", "steps", "buffers": {param: {buffer: array}}} (arrays are copies)."""
        return {"kind": self.kind, "hyper": self.hyper(), "steps": self.steps,
                "buffers": {n: {b: a.copy() for b, a in s.items()} for n, s in self.state.items()}}

    def load_state_dict(self, state: Dict) -> None:
        if state.get("kind") != self.kind:
            raise OptimizerStateError(f"saved optimizer state is for '{state.get('kind')}', not '{self.kind}'")
        for name, buffers in state["buffers"].items():
            if name not in self.params:
                raise OptimizerStateError(f"saved optimizer state has unknown parameter '{name}'")
            for buffer, array in buffers.items():
                if buffer not in self.buffer_names or array.shape != self.params[name].shape:
                    raise OptimizerStateError(f"saved optimizer buffer '{name}/{buffer}' does not fit")
        for key, value in state["hyper"].items():
            setattr(self, key, value)
        self.steps = int(state["steps"])
        self.state = {n: {b: np.array(a, dtype=np.float32) for b, a in s.items()} for n, s in state["buffers"].items()}


class SGD(Optimizer):
    """torch.optim.SGD: g += wd * p; buf = momentum * buf + (1 - dampening) * g (buf = g at first);
    p -= lr * (g + momentum * buf if nesterov else buf)."""

    kind = "sgd"
    buffer_names = ("momentum",)

    def __init__(self, params, names, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, names, lr, weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("optimizer: Nesterov momentum requires momentum > 0 and zero dampening")
        self.momentum, self.dampening, self.nesterov = float(momentum), float(dampening), bool(nesterov)

    def hyper(self):
        return dict(super().hyper(), momentum=self.momentum, dampening=self.dampening, nesterov=self.nesterov)

    def update(self, name, param, grad):
        buf, first = None, False
        if self.momentum:
            buffers = self.state.setdefault(name, {})
            first = "momentum" not in buffers
            if first:
                buffers["momentum"] = np.zeros_like(param)
            buf = buffers["momentum"]
        # One fused pass in C++ (src/training/sgd_step.h): the numpy form cost five passes.
        _C.sgd_step(param, grad, buf, self.lr, self.momentum, self.dampening, self.nesterov, self.weight_decay, first)


class Adam(Optimizer):
    """torch.optim.Adam (L2 weight decay added to the gradient); AdamW decouples it."""

    kind = "adam"
    buffer_names = ("exp_avg", "exp_avg_sq")
    decoupled = False

    def __init__(self, params, names, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, names, lr, weight_decay)
        self.betas, self.eps = (float(betas[0]), float(betas[1])), float(eps)

    def hyper(self):
        return dict(super().hyper(), betas=list(self.betas), eps=self.eps)

    def update(self, name, param, grad):
        if self.weight_decay and self.decoupled:
            param *= np.float32(1 - self.lr * self.weight_decay)
        elif self.weight_decay:
            grad = grad + np.float32(self.weight_decay) * param
        b1, b2 = self.betas
        buffers = self.state.setdefault(name, {"exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)})
        m, v = buffers["exp_avg"], buffers["exp_avg_sq"]
        m *= np.float32(b1)
        m += np.float32(1 - b1) * grad
        v *= np.float32(b2)
        v += np.float32(1 - b2) * grad * grad
        correction1, correction2 = 1 - b1 ** self.steps, 1 - b2 ** self.steps
        denom = np.sqrt(v) / np.float32(math.sqrt(correction2)) + np.float32(self.eps)
        param -= np.float32(self.lr / correction1) * m / denom


class AdamW(Adam):
    """torch.optim.AdamW: p *= 1 - lr * wd before the Adam step (default wd 0.01)."""

    kind = "adamw"
    decoupled = True

    def __init__(self, params, names, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, names, lr, betas, eps, weight_decay)


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


# -- schedules: the learning rate of an epoch (stateless; the epoch lives in the checkpoint) ----
class StepSchedule:
    """torch.optim.lr_scheduler.StepLR: lr * gamma ** (epoch // step_size)."""

    def __init__(self, base_lr: float, step_size: int, gamma: float = 0.1):
        if step_size < 1:
            raise ValueError("step schedule: step_size must be >= 1")
        self.base_lr, self.step_size, self.gamma = base_lr, step_size, gamma

    def lr(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class CosineSchedule:
    """torch.optim.lr_scheduler.CosineAnnealingLR (closed form): min_lr + (lr - min_lr) *
    (1 + cos(pi * epoch / total)) / 2."""

    def __init__(self, base_lr: float, total_epochs: int, min_lr: float = 0.0):
        if total_epochs < 1:
            raise ValueError("cosine schedule: total_epochs must be >= 1")
        self.base_lr, self.total, self.min_lr = base_lr, total_epochs, min_lr

    def lr(self, epoch: int) -> float:
        return self.min_lr + (self.base_lr - self.min_lr) * (1 + math.cos(math.pi * epoch / self.total)) / 2


class ConstantSchedule:
    def __init__(self, base_lr: float):
        self.base_lr = base_lr

    def lr(self, epoch: int) -> float:
        return self.base_lr


def clip_grad_norm(grads: Dict[str, np.ndarray], max_norm: float) -> float:
    """Scales all gradients in place so that their joint L2 norm is at most max_norm (as
    torch.nn.utils.clip_grad_norm_); returns the norm before clipping."""
    # Not np.dot: OpenBLAS threads a long dot product and its threads then spin for ~60 ms of CPU,
    # taking a core from the next training step's kernels.
    total = math.sqrt(sum(float(np.square(g, dtype=np.float64).sum()) for g in grads.values()))
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        for g in grads.values():
            g *= np.float32(coefficient)
    return total
