"""Optimizers, schedules and gradient clipping against torch.optim with identical parameters and
gradients, and exact continuation from a saved optimizer state."""
import numpy as np
import pytest

from cnnengine.training.optim import (SGD, Adam, AdamW, CosineSchedule, OptimizerStateError, StepSchedule,
                                      clip_grad_norm)

CONFIGS = [
    (SGD, "SGD", dict(lr=0.1)),
    (SGD, "SGD", dict(lr=0.1, momentum=0.9)),
    (SGD, "SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    (SGD, "SGD", dict(lr=0.1, momentum=0.8, dampening=0.3, weight_decay=1e-3)),
    (Adam, "Adam", dict(lr=1e-2)),
    (Adam, "Adam", dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=1e-2)),
    (AdamW, "AdamW", dict(lr=1e-2)),
    (AdamW, "AdamW", dict(lr=1e-2, weight_decay=0.1, eps=1e-6)),
]


def problem(rng, steps=4):
    params = {"a": rng.standard_normal((3, 5)).astype(np.float32), "b": rng.standard_normal(7).astype(np.float32)}
    grads = [{k: rng.standard_normal(v.shape).astype(np.float32) for k, v in params.items()} for _ in range(steps)]
    return params, grads


@pytest.mark.parametrize("ours_cls,torch_name,hyper", CONFIGS, ids=[f"{c[1]}-{i}" for i, c in enumerate(CONFIGS)])
def test_optimizer_matches_torch(ours_cls, torch_name, hyper, rng, torch):
    params, grads = problem(rng)
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    ours = ours_cls(params, list(params), **hyper)
    theirs = getattr(torch.optim, torch_name)(list(tensors.values()), **hyper)
    for step in grads:
        ours.step(step)
        for k, t in tensors.items():
            t.grad = torch.tensor(step[k])
        theirs.step()
    for k, t in tensors.items():
        np.testing.assert_allclose(params[k], t.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ours_cls,hyper", [(SGD, dict(lr=0.1, momentum=0.9, nesterov=True)), (AdamW, dict(lr=1e-2))])
def test_saved_state_continues_exactly(ours_cls, hyper, rng):
    params, grads = problem(rng)
    straight = {k: v.copy() for k, v in params.items()}
    uninterrupted = ours_cls(straight, list(straight), **hyper)
    for step in grads:
        uninterrupted.step(step)
    first = ours_cls(params, list(params), **hyper)
    for step in grads[:2]:
        first.step(step)
    resumed = ours_cls(params, list(params), **hyper)
    resumed.load_state_dict(first.state_dict())
    for step in grads[2:]:
        resumed.step(step)
    for k in params:
        np.testing.assert_array_equal(params[k], straight[k])


def test_state_of_another_optimizer_is_refused(rng):
    params, grads = problem(rng)
    sgd = SGD(params, list(params), lr=0.1, momentum=0.9)
    sgd.step(grads[0])
    with pytest.raises(OptimizerStateError, match="sgd"):
        Adam(params, list(params)).load_state_dict(sgd.state_dict())
    state = sgd.state_dict()
    state["buffers"]["a"]["momentum"] = np.zeros(2, np.float32)
    with pytest.raises(OptimizerStateError, match="does not fit"):
        SGD(params, list(params), lr=0.1, momentum=0.9).load_state_dict(state)


def test_schedules_match_torch(torch):
    for schedule, make in [(StepSchedule(0.1, 3, 0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
                           (CosineSchedule(0.1, 7, 1e-3),
                            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, eta_min=1e-3))]:
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = make(optimizer)
        for epoch in range(8):
            assert schedule.lr(epoch) == pytest.approx(optimizer.param_groups[0]["lr"], rel=1e-9)
            optimizer.step()
            scheduler.step()


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(max_norm, rng, torch):
    _, grads = problem(rng, 1)
    grads = grads[0]
    tensors = [torch.zeros(g.shape, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g.copy())
    expected_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    norm = clip_grad_norm(grads, max_norm)
    assert norm == pytest.approx(float(expected_norm), rel=1e-6)
    for t, g in zip(tensors, grads.values()):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-6)


def test_bad_hyper_parameters_are_refused(rng):
    params, _ = problem(rng)
    with pytest.raises(ValueError, match="lr"):
        SGD(params, list(params), lr=0)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD(params, list(params), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="unknown"):
        SGD(params, ["nope"], lr=0.1)


def test_sgd_step_kernel_refuses_what_it_cannot_update_in_place(rng):
    from cnnengine import _C

    param, grad = rng.standard_normal(6).astype(np.float32), rng.standard_normal(6).astype(np.float32)
    frozen = param.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _C.sgd_step(frozen, grad, None, 0.1, 0.0, 0.0, False, 0.0, False)
    with pytest.raises(ValueError, match="momentum buffer"):
        _C.sgd_step(param, grad, None, 0.1, 0.9, 0.0, False, 0.0, False)
    with pytest.raises(ValueError, match="grad"):
        _C.sgd_step(param, grad[:5], None, 0.1, 0.0, 0.0, False, 0.0, False)
    with pytest.raises(ValueError, match="overlaps"):
        _C.sgd_step(param, param, None, 0.1, 0.0, 0.0, False, 0.0, False)
