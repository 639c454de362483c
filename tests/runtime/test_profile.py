"""Model.profile: per-layer medians of the kernel calls that predict makes, in run order, from the
one-call C++ loop (bound plans) and from the Python loop (plans with an unbindable kernel)."""
import numpy as np
import pytest

from cnnengine import GraphBuilder, InputError


def kernel_layer_names(model):
    return [row["name"] for row in model.layers() if row["op"] != "flatten"]


def check_rows(model, rows):
    layers = {row["name"]: row for row in model.layers()}
    assert [row["name"] for row in rows] == kernel_layer_names(model)
    for row in rows:
        assert row["median_ms"] > 0
        assert (row["op"], row["algorithm"]) == (layers[row["name"]]["op"], layers[row["name"]]["algorithm"])
    assert sum(row["share"] for row in rows) == pytest.approx(1.0)


def test_bound_plan_profile_names_every_kernel_layer(small_resnet, rng):
    x = rng.standard_normal((2, 3, 32, 32), dtype=np.float32)
    small_resnet.predict(x)
    assert small_resnet._plan._bound.run.steps is not None  # the one-call C++ loop is timed
    check_rows(small_resnet, small_resnet.profile(x, runs=3, warmup=1))


def test_python_loop_profile_names_every_kernel_layer(rng):
    """concat binds no C++ call: the plan runs (and is timed) in the Python loop."""
    b = GraphBuilder("branches", input_shape=(3, 12, 12), seed=1)
    left = b.conv2d(b.input, 4, 3, padding=1, name="left")
    right = b.conv2d(b.input, 5, 1, name="right")
    model = b.build_model(outputs=[b.relu(b.concat([left, right]), name="joined")])
    x = rng.standard_normal((1, 3, 12, 12), dtype=np.float32)
    model.predict(x)
    assert model._plan._bound.run.steps is None
    check_rows(model, model.profile(x, runs=2, warmup=0))


def test_times_are_attributed_to_the_layer_that_took_them(rng):
    """A conv with ~10^4 times the work of the pooling and dense layers around it takes most of
    the time: no layer's time is shifted onto its neighbour."""
    b = GraphBuilder("heavy_middle", input_shape=(64, 32, 32), seed=2)
    x = b.max_pool2d(b.input, 2, name="pool")
    x = b.conv2d(x, 256, 3, padding=1, name="heavy")
    x = b.linear(b.flatten(b.adaptive_avg_pool2d(x, 1, name="gap")), 3, name="fc")
    model = b.build_model(outputs=[x])
    rows = {row["name"]: row for row in model.profile(rng.standard_normal((1, 64, 32, 32), dtype=np.float32), runs=5)}
    assert rows["heavy"]["share"] > 0.5
    assert rows["heavy"]["median_ms"] > max(rows[name]["median_ms"] for name in ("pool", "gap", "fc"))


def test_profile_refuses_training_mode_and_bad_counts(small_resnet, rng):
    x = rng.standard_normal((1, 3, 32, 32), dtype=np.float32)
    with pytest.raises(ValueError, match="runs >= 1"):
        small_resnet.profile(x, runs=0)
    small_resnet.train()
    try:
        with pytest.raises(RuntimeError, match="eval"):
            small_resnet.profile(x)
    finally:
        small_resnet.eval()


def test_profile_checks_its_input_like_predict(small_resnet):
    with pytest.raises(InputError, match="float32"):
        small_resnet.profile(np.zeros((1, 3, 32, 32), dtype=np.float64))
