"""The training executor: runs the graph as written (no BatchNorm folding, no fused epilogues,
no in-place reuse), records a tape of what each node's backward needs, then walks it backwards
from the loss. Gradients flow only where some trainable parameter lies upstream: frozen layers at
the start of a network cost no backward work, and frozen BatchNorm nodes run in eval mode (their
running statistics never change)."""
from typing import Dict, Iterable, List, Optional, Set, Tuple

import numpy as np

from cnnengine import _C
from cnnengine.conv_algorithm import heuristic
from cnnengine.errors import InputError
from cnnengine.graph import Graph
from cnnengine.training.ops import Mode, Wants, WinogradConvs, trainable_roles, training_plan

ConvChoices = Dict[str, Tuple[str, str]]
AUX_LOSS_WEIGHT = 0.3  # GoogLeNet (Szegedy et al. 2015): auxiliary classifier losses weigh 0.3
# Freed heap the process keeps between steps rather than faulting fresh pages in every step
# (src/training/heap_headroom.h): LeNet-5 at batch 64 frees and reallocates a few MB per step,
# ResNet-18 at batch 16 well over 64 MB (32 MB left ~30k page faults per step, 256 MB ~800).
HEAP_HEADROOM_BYTES = 256 << 20


class TrainingExecutor:
    def __init__(self, graph: Graph, frozen: Iterable[str] = (), conv_choices: Optional[ConvChoices] = None):
        """conv_choices: Model.conv_algorithms ({conv name: (algorithm, source)}); layers without
        one, or chosen by the heuristic, get the heuristic's choice for each batch's input shape."""
        self.graph = graph
        self.conv_choices: ConvChoices = dict(conv_choices or {})
        self.plan = training_plan(graph)
        self.frozen: Set[str] = set(frozen)
        self._seed_rng = np.random.default_rng(0)
        self._winograd_convs = WinogradConvs()
        _C.keep_heap_headroom(HEAP_HEADROOM_BYTES)

    # -- which parameters learn -----------------------------------------------------------------
    def trainable(self) -> List[str]:
        """Names of the parameters the optimizer updates, in graph order."""
        names = []
        for node in self.graph.nodes:
            names += [node.params[r] for r in trainable_roles(node.op) if r in node.params
                      and node.params[r] not in self.frozen]
        return names

    def node_is_frozen(self, node) -> bool:
        return bool(node.params) and all(name in self.frozen for name in node.params.values())

    def _learns(self, node) -> bool:
        return any(node.params[r] not in self.frozen for r in trainable_roles(node.op) if r in node.params)

    def conv_algorithm(self, node, input_shape) -> str:
        algorithm, source = self.conv_choices.get(node.name, ("default", "heuristic"))
        return heuristic(node, input_shape) if source == "heuristic" else algorithm

    def seed(self, seed: int) -> None:
        """Seeds the dropout masks (one seed per dropout call, drawn from this generator)."""
        self._seed_rng = np.random.default_rng(seed)

    @property
    def rng_state(self):
        return self._seed_rng.bit_generator.state

    @rng_state.setter
    def rng_state(self, state):
        self._seed_rng.bit_generator.state = state

    # -- forward and backward ---------------------------------------------------------------------
    def forward(self, x: np.ndarray):
        """(tensors by name, tape): one training-mode pass (batch statistics, dropout on)."""
        mode = Mode({node.name: not self.node_is_frozen(node)
                     for node in self.graph.nodes if node.op == "batch_norm2d"},
                    lambda: int(self._seed_rng.integers(0, 2**63)), self.conv_algorithm, self._winograd_convs)
        tensors = {self.graph.inputs[0].name: x}
        tape = []
        for node, op, inputs in self.plan:
            params = {role: self.graph.params[name] for role, name in node.params.items()}
            out, saved = op.forward(node, params, [tensors[t] for t in inputs], mode)
            tensors[node.name] = out
            tape.append((node, op, inputs, params, saved))
        return tensors, tape

    def backward(self, tape, output_grads: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        """Parameter name -> gradient of the loss whose gradients at the outputs are `output_grads`."""
        requires = {spec.name: False for spec in self.graph.inputs}
        for node, _, inputs, _, _ in tape:
            requires[node.name] = self._learns(node) or any(requires[t] for t in inputs)
        grads = dict(output_grads)
        param_grads = {}
        for node, op, inputs, params, saved in reversed(tape):
            dy = grads.pop(node.name, None)
            if dy is None or not requires[node.name]:
                continue
            wants = Wants([requires[t] for t in inputs], self._learns(node))
            input_grads, role_grads = op.backward(node, params, saved, dy, wants)
            for tensor, grad in zip(inputs, input_grads):
                if grad is None or not requires[tensor]:
                    continue
                grads[tensor] = grad if tensor not in grads else grads[tensor] + grad
            for role, grad in role_grads.items():
                if node.params[role] not in self.frozen:
                    param_grads[node.params[role]] = grad
        return param_grads

    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray, label_smoothing: float = 0.0
                       ) -> Tuple[float, np.ndarray, Dict[str, np.ndarray]]:
        """(loss, main logits, parameter gradients) of softmax cross-entropy on one batch; the
        graph's training outputs (GoogLeNet's auxiliary classifiers) add AUX_LOSS_WEIGHT x theirs."""
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] != x.shape[0] or labels.dtype.kind not in "iu":
            raise InputError(f"labels must be {x.shape[0]} integers (one per image), got {labels.dtype} "
                             f"array of shape {labels.shape}")
        tensors, tape = self.forward(x)
        main = self.graph.outputs[0]
        loss, grad = _C.softmax_cross_entropy(tensors[main], labels.astype(np.int64), label_smoothing)
        output_grads = {main: grad}
        for aux in self.graph.training_outputs:
            aux_loss, aux_grad = _C.softmax_cross_entropy(tensors[aux], labels.astype(np.int64), label_smoothing)
            loss += AUX_LOSS_WEIGHT * aux_loss
            output_grads[aux] = aux_grad * np.float32(AUX_LOSS_WEIGHT)
        logits = tensors[main]
        return loss, logits, self.backward(tape, output_grads)

