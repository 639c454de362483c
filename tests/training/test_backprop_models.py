"""Whole-network training against PyTorch with identical weights and inputs: gradients of every
parameter (LeNet-5, ResNet-18, GoogLeNet with its auxiliary losses x 0.3), BatchNorm running
statistics, and the parameters after SGD-momentum steps.

PyTorch runs twice, in float32 and in float64 (the exact answer). Stated tolerances:
- against float64, over all parameters together: ||ours - torch64|| / ||torch64|| <= max(1e-4,
  3 * the same figure for PyTorch float32), for the gradients and for the parameter updates.
  Overlapping max pools (ResNet's stem, GoogLeNet's 3x3 stride-1 branches) see near-ties, and
  float32 rounding can move a winner, and that gradient entry, to a neighbour. On GoogLeNet this
  makes the float64 gradients themselves jump: a relative input noise of 1e-6 (about what float32
  rounding adds over the network) moved them by up to 2% (relative L2). There the bound is also
  at least 3x that jump, measured on the test's own input (3 draws of such noise): a fixed 2e-2
  passed or failed by which ISA rounded the ties (scalar 2.4%, AVX2 1.6%, AVX-512 0.04% on one
  input whose float64 jumps reached 2.1%).
- the parameter updates of two SGD-momentum steps on ResNet-18 (not GoogLeNet: there the float64
  updates moved by up to 22% under 1e-7 relative input noise, and PyTorch float32's were 14-32%
  off its float64 ones on three inputs, so no bound both holds and tests anything).
- gradients per tensor, max|ours - ref| <= 2e-4 * max|ref|, for LeNet-5 and ResNet-18 on the
  GEMM path, where ref is PyTorch float32 or float64: every tensor against the same one, since a
  near-tie can go either way in float32 (seen: PyTorch float32 moved a stem winner that float64
  and our AVX-512 kernel did not).
  GoogLeNet is too chaotic for it, and so is ResNet-18 with its default Winograd layers (their
  rounding differs from a direct convolution's, enough to move the stem's max-pool winners), and
  any network after one update: the weights then differ by rounding, and the next forward may
  pick other max-pool winners; those are held to the L2 bound only.
Small inputs keep the CI cost to seconds."""
import copy

import numpy as np
import pytest

from cnnengine import zoo
from cnnengine.training.optim import SGD
from twins import load_into, torch_twin

CASES = {"lenet5": (8, 28), "resnet18": (4, 64), "googlenet": (2, 96)}


def make_pair(torch, name, seed=0, algo=None):
    model = zoo.create(name, num_classes=10, seed=seed, algo=algo)
    module = torch_twin(torch, name, 10)
    if name == "googlenet":  # dropout masks cannot match: switch it off on both sides
        for node in model.graph.nodes:
            if node.op == "dropout":
                node.attrs["p"] = 0.0
        module.dropout.p = module.aux1.dropout.p = module.aux2.dropout.p = 0.0
    module = load_into(torch, module, model.graph.params)
    return model, module, copy.deepcopy(module).double()


# (model, conv algorithm policy) pairs whose float32 rounding follows PyTorch's closely enough for
# the per-tensor check (see above).
SAME_ROUNDING = {("lenet5", None), ("resnet18", "gemm")}


def relative_l2(values, exact):
    return np.sqrt(sum(float(((values[k] - v) ** 2).sum()) for k, v in exact.items())
                   / sum(float((v ** 2).sum()) for v in exact.values()))


# Networks whose overlapping max pools make even float64 gradients jump under rounding-sized
# input noise (see above).
CHAOTIC = {"googlenet"}


def float64_jump(torch, module64, x, y, exact, draws=3, noise=1e-6):
    """The largest relative L2 change of module64's gradients when x gets relative noise."""
    jumps = []
    for draw in range(draws):
        noisy = (x * (1 + noise * np.random.default_rng(draw).standard_normal(x.shape))).astype(np.float32)
        module64.zero_grad()
        torch_loss(torch, module64, noisy, y).backward()
        jumps.append(relative_l2({n: p.grad.numpy() for n, p in module64.named_parameters()}, exact))
    return max(jumps)


def assert_matches(ours, torch32, exact, floor=0.0):
    """ours / torch32 / exact (float64 PyTorch): dicts of arrays, held to the relative L2 bound."""
    error, torch_error = relative_l2(ours, exact), relative_l2(torch32, exact)
    bound = max(1e-4, 3 * torch_error, floor)
    assert error <= bound, f"relative L2 error {error}, PyTorch float32's {torch_error}, floor {floor}"


def worst_tensor_error(ours, reference):
    """The largest max|ours - ref| / max|ref| over the tensors, and that tensor's name."""
    return max((np.abs(ours[key] - value).max() / np.abs(value).max(), key) for key, value in reference.items())


def torch_loss(torch, module, x, y):
    x = torch.tensor(x, dtype=next(module.parameters()).dtype)
    out = module(x)
    target = torch.tensor(y)
    if hasattr(out, "aux_logits1"):  # torchvision's GoogLeNetOutputs in training mode
        return (torch.nn.functional.cross_entropy(out.logits, target)
                + 0.3 * torch.nn.functional.cross_entropy(out.aux_logits1, target)
                + 0.3 * torch.nn.functional.cross_entropy(out.aux_logits2, target))
    return torch.nn.functional.cross_entropy(out, target)


def batch(name, rng):
    n, size = CASES[name]
    channels = 1 if name == "lenet5" else 3
    return rng.standard_normal((n, channels, size, size)).astype(np.float32), rng.integers(0, 10, n)


@pytest.mark.parametrize("name, algo", [("lenet5", None), ("resnet18", "gemm"), ("resnet18", None),
                                        ("googlenet", None)])
def test_gradients_and_running_stats_match_torch(name, algo, rng, torch):
    model, module, module64 = make_pair(torch, name, algo=algo)
    x, y = batch(name, rng)
    for m in (model, module, module64):
        m.train()
    loss, _, grads = model.trainer.loss_and_grads(x, y)
    expected = torch_loss(torch, module, x, y)
    expected.backward()
    torch_loss(torch, module64, x, y).backward()
    assert loss == pytest.approx(float(expected.detach()), rel=1e-5)
    assert set(grads) == {n for n, _ in module.named_parameters()}
    exact = {n: p.grad.numpy().copy() for n, p in module64.named_parameters()}
    torch32 = {n: p.grad.numpy() for n, p in module.named_parameters()}
    assert_matches(grads, torch32, exact, 3 * float64_jump(torch, module64, x, y, exact) if name in CHAOTIC else 0.0)
    if (name, algo) in SAME_ROUNDING:
        error, key = min(worst_tensor_error(grads, torch32), worst_tensor_error(grads, exact))
        assert error <= 2e-4, f"{key}: max error {error:.2e} x max|grad| against PyTorch float32 and float64"
    for buffer_name, buffer in module.named_buffers():
        if buffer_name in model.graph.params:
            np.testing.assert_allclose(model.graph.params[buffer_name], buffer.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["resnet18"])
def test_sgd_momentum_steps_match_torch(name, rng, torch):
    model, module, module64 = make_pair(torch, name)
    for m in (model, module, module64):
        m.train()
    hyper = dict(lr=0.05, momentum=0.9, weight_decay=1e-4)
    ours = SGD(model.graph.params, model.trainer.trainable(), **hyper)
    theirs = [torch.optim.SGD(m.parameters(), **hyper) for m in (module, module64)]
    before = {n: p.detach().numpy().copy() for n, p in module64.named_parameters()}
    for _ in range(2):  # the second step uses the momentum buffer
        x, y = batch(name, rng)
        _, _, grads = model.trainer.loss_and_grads(x, y)
        ours.step(grads)
        for m, optimizer in zip((module, module64), theirs):
            optimizer.zero_grad()
            torch_loss(torch, m, x, y).backward()
            optimizer.step()
    exact = {n: p.detach().numpy() - before[n] for n, p in module64.named_parameters()}
    torch32 = {n: p.detach().numpy() - before[n] for n, p in module.named_parameters()}
    ours = {n: model.graph.params[n] - before[n] for n in exact}
    assert_matches(ours, torch32, exact)


def test_eval_after_training_serves_the_new_weights(rng):
    model = zoo.create("lenet5", num_classes=10, seed=0)
    x, y = batch("lenet5", rng)
    before = model.predict(x)
    model.train()
    optimizer = SGD(model.graph.params, model.trainer.trainable(), lr=0.1)
    optimizer.step(model.trainer.loss_and_grads(x, y)[2])
    in_training = model.predict(x)
    model.eval()
    after = model.predict(x)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(in_training, after, rtol=1e-5, atol=1e-6)


def test_labels_are_checked(rng):
    model = zoo.create("lenet5", num_classes=10, seed=0).train()
    x, _ = batch("lenet5", rng)
    with pytest.raises(ValueError, match="labels"):
        model.trainer.loss_and_grads(x, np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="outside"):
        model.trainer.loss_and_grads(x, np.full(len(x), 10))
