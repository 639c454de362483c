"""The executor's per-thread bound runs (cnnengine/executor.py): a repeated call reuses the arena
and the bound kernel calls, so results must not depend on reuse, on which thread ran before, or
on whether the arena was kept (small) or made for the call (large)."""
import gc
import threading
import weakref

import numpy as np
import pytest

from cnnengine import GraphBuilder, Model, _C, executor


def test_results_are_fresh_arrays_not_overwritten_by_later_calls(small_resnet, rng):
    a, b = (rng.standard_normal((2, 3, 32, 32), dtype=np.float32) for _ in range(2))
    first = small_resnet.predict(a)
    kept = first.copy()
    second = small_resnet.predict(b)
    np.testing.assert_array_equal(first, kept)
    assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(small_resnet.predict(a), kept)


def test_kept_and_per_call_arenas_give_identical_results(small_resnet, rng, monkeypatch):
    inputs = [rng.standard_normal((n, 3, s, s), dtype=np.float32) for n, s in ((1, 32), (3, 32), (1, 40), (1, 32))]
    kept = [small_resnet.predict(x) for x in inputs]
    monkeypatch.setattr(executor, "KEEP_ARENA_BYTES", 0)  # every call binds a fresh arena
    for x, expected in zip(inputs, kept):
        np.testing.assert_array_equal(small_resnet.predict(x), expected)


def test_large_arena_is_kept_only_when_its_shapes_repeat(small_resnet, rng, monkeypatch):
    monkeypatch.setattr(executor, "KEEP_ARENA_BYTES", 0)  # every arena counts as large
    plan = small_resnet._plan
    a, b = (rng.standard_normal(shape, dtype=np.float32) for shape in ((1, 3, 36, 36), (2, 3, 36, 36)))
    small_resnet.predict(a)
    assert plan._bound.run is None  # a single large call pins nothing
    small_resnet.predict(a)
    kept = plan._bound.run
    assert kept is not None and kept.key == (("input", a.shape),)
    small_resnet.predict(a)
    assert plan._bound.run is kept  # reused, not rebuilt
    small_resnet.predict(b)
    assert plan._bound.run is None  # new shapes: freed again


def test_threads_with_their_own_bound_runs_match_the_serial_results(small_resnet, rng):
    inputs = [rng.standard_normal((1 + i % 3, 3, 32, 32), dtype=np.float32) for i in range(12)]
    expected = [small_resnet.predict(x) for x in inputs]
    results, errors = {}, []

    def work(offset):
        try:
            for step in range(30):
                i = (offset + step) % len(inputs)
                results[offset, step] = (i, small_resnet.predict(inputs[i]))
        except Exception as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 4 * 30
    for i, y in results.values():
        np.testing.assert_array_equal(y, expected[i])


def test_views_of_the_input_and_outputs_that_are_the_input(rng):
    """A flatten of the graph input is made per call (the input changes); an output that is the
    input itself (a dropout, removed at inference) is returned as a copy the caller owns."""
    b = GraphBuilder("views", input_shape=(2, 3, 3), seed=0)
    flat = b.flatten(b.input, name="flat")
    logits = b.linear(flat, 4, name="fc")
    model = b.build_model(outputs=[logits, b.dropout(b.input, name="same"), flat])
    weight, bias = model.graph.params["fc.weight"], model.graph.params["fc.bias"]
    for batch in (1, 3, 1):
        x = rng.standard_normal((batch, 2, 3, 3), dtype=np.float32)
        y, same, flattened = model.predict(x)
        np.testing.assert_allclose(y, x.reshape(batch, -1) @ weight.T + bias, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(same, x)
        np.testing.assert_array_equal(flattened, x.reshape(batch, -1))
        assert not np.shares_memory(same, x) and not np.shares_memory(flattened, x)


def test_a_bound_run_keeps_no_reference_to_the_callers_input(small_resnet, rng):
    x = rng.standard_normal((1, 3, 32, 32), dtype=np.float32)
    small_resnet.predict(x)
    alive = weakref.ref(x)
    del x
    gc.collect()
    assert alive() is None


@pytest.mark.parametrize("threads", [1, 2])
def test_one_thread_and_the_pool_give_identical_results(small_resnet, rng, threads):
    """Work is split over outputs, never over sums: the thread count cannot change a single bit."""
    x = rng.standard_normal((2, 3, 32, 32), dtype=np.float32)
    expected = small_resnet.predict(x)
    twin = Model(small_resnet.graph, num_threads=threads)
    for _ in range(3):
        np.testing.assert_array_equal(twin.predict(x), expected)


def assert_plan_steps_match_the_python_loop(model, inputs, monkeypatch):
    stepped = [model.predict(x) for x in inputs]
    assert model._plan._bound.run.steps is not None
    monkeypatch.setattr(executor.BoundRun, "_bind_steps", lambda self, shapes: None)
    model._plan._bound.run = None
    for x, expected in zip(inputs, stepped):
        np.testing.assert_array_equal(model.predict(x), expected)
    assert model._plan._bound.run.steps is None


def test_a_plan_whose_kernels_all_bind_runs_as_plan_steps_with_the_same_results(small_resnet, rng, monkeypatch):
    inputs = [rng.standard_normal((n, 3, s, s), dtype=np.float32) for n, s in ((1, 32), (2, 40), (1, 32))]
    assert_plan_steps_match_the_python_loop(small_resnet, inputs, monkeypatch)


def test_squeeze_excitation_activations_and_1x1_maps_bind_too(rng, monkeypatch):
    """MobileNet-V3's kernels: SE gates, hard-swish nodes, 1x1 convs on a 1x1 map (run as Linear)."""
    b = GraphBuilder("gates", input_shape=(8, 6, 6), seed=1)
    x = b.conv2d(b.input, 8, 3, padding=1, name="c1")
    x = b._add("squeeze_excitation", [x], {"channels": 8, "hidden": 4, "reduce_relu": True,
                                          "gate": ["hard_sigmoid", 1 / 6, 0.5]},
               params={"reduce_weight": b._uniform((4, 8, 1, 1), 8), "reduce_bias": b._uniform((4,), 8),
                       "expand_weight": b._uniform((8, 4, 1, 1), 4), "expand_bias": b._uniform((8,), 4)})
    x = b._add("hard_swish", [x], {})
    x = b.conv2d(b.adaptive_avg_pool2d(x, 1), 5, 1, name="pointwise")
    model = b.build_model(outputs=[b.flatten(x)])
    inputs = [rng.standard_normal((n, 8, 6, 6), dtype=np.float32) for n in (1, 3)]
    assert_plan_steps_match_the_python_loop(model, inputs, monkeypatch)


def test_a_kernel_without_bind_keeps_the_python_loop(rng):
    b = GraphBuilder("concat", input_shape=(3, 8, 8), seed=2)
    x = b.concat([b.conv2d(b.input, 4, 1, name="a"), b.conv2d(b.input, 5, 3, padding=1, name="b")])
    model = b.build_model(outputs=[x])
    model.predict(rng.standard_normal((1, 3, 8, 8), dtype=np.float32))
    assert model._plan._bound.run.steps is None


def test_plan_steps_check_the_graph_inputs_they_are_given():
    steps = _C.PlanSteps()
    number = steps.add_graph_input((1, 2, 4, 4))
    out = np.empty((1, 2, 2, 2), np.float32)
    _C.bind_max_pool2d(steps, number, 2, 2, 0, 1, False, out)
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    steps.run([x])
    np.testing.assert_array_equal(out, x.reshape(1, 2, 2, 2, 2, 2).max(axis=(3, 5)))
    with pytest.raises(ValueError, match="graph input 0"):
        steps.run([np.zeros((1, 2, 4, 5), np.float32)])
    with pytest.raises(TypeError, match="graph input 0"):
        steps.run([x.astype(np.float64)])
    with pytest.raises(ValueError, match="takes 1 graph inputs, got 2"):
        steps.run([x, x])


def test_binding_checks_the_call_once_as_the_kernel_would():
    steps = _C.PlanSteps()
    linear = _C.Linear(np.ones((3, 4), np.float32), None)
    with pytest.raises(ValueError, match="linear input has 5 features"):
        linear.bind(steps, np.ones((1, 5), np.float32), False, np.empty((1, 3), np.float32))
    with pytest.raises(ValueError, match="linear out"):
        linear.bind(steps, np.ones((1, 4), np.float32), False, np.empty((1, 4), np.float32))
    with pytest.raises(ValueError, match="no graph input 0"):
        linear.bind(steps, 0, False, np.empty((1, 3), np.float32))
