"""Graph building, inference passes, memory planning and Model.predict against PyTorch twins.

Tolerance: max |Δ| <= 1e-4 * max|output| (GEMM paths, DESIGN.md §4).
"""
import numpy as np
import pytest

import cnnengine
from cnnengine import GraphBuilder, InputError


def seed_example(seed=0):
    """The seed's network: 256x256x3 -> conv3x3 64 -> pool/4 -> conv3x3 64 -> pool/4 -> 16384 -> 1000."""
    b = GraphBuilder("seed", input_shape=(3, 256, 256), seed=seed)
    x = b.conv2d(b.input, 64, 3, padding=1, name="conv1")
    x = b.max_pool2d(b.relu(x), 4)
    x = b.conv2d(x, 64, 3, padding=1, name="conv2")
    x = b.max_pool2d(b.relu(x), 4)
    x = b.linear(b.flatten(x), 1000, name="fc")
    recipe = {"resize": 256, "crop": 256, "mean": [0.5] * 3, "std": [0.25] * 3}
    return b.build_model(outputs=[x], metadata={"preprocessing": recipe})


def seed_twin(torch, model):
    nn = torch.nn
    twin = nn.ModuleDict({"conv1": nn.Conv2d(3, 64, 3, padding=1), "conv2": nn.Conv2d(64, 64, 3, padding=1),
                          "fc": nn.Linear(16384, 1000)})
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.graph.params.items()})

    def forward(x):
        x = torch.max_pool2d(torch.relu(twin["conv1"](x)), 4)
        x = torch.max_pool2d(torch.relu(twin["conv2"](x)), 4)
        return twin["fc"](torch.flatten(x, 1))

    return forward


def assert_close(ours, reference):
    scale = float(np.abs(reference).max())
    assert np.abs(ours - reference).max() <= 1e-4 * scale, np.abs(ours - reference).max() / scale


def test_seed_example_matches_pytorch_twin(torch, rng):
    model = seed_example()
    twin = seed_twin(torch, model)
    x = rng.standard_normal((2, 3, 256, 256), dtype=np.float32)
    ours = model.predict(x)
    assert ours.shape == (2, 1000)
    with torch.no_grad():
        assert_close(ours, twin(torch.from_numpy(x)).numpy())
    assert "16384" in model.summary().replace(",", "")


def residual_net(seed=0):
    """conv-bn-relu, a basic residual block with a projection shortcut, global pool, dropout, fc."""
    b = GraphBuilder("tiny_resnet", input_shape=(3, 20, 20), seed=seed)
    x = b.relu(b.batch_norm(b.conv2d(b.input, 8, 3, padding=1, bias=False, name="conv1"), name="bn1"))
    y = b.relu(b.batch_norm(b.conv2d(x, 16, 3, stride=2, padding=1, bias=False, name="c2"), name="bn2"))
    y = b.batch_norm(b.conv2d(y, 16, 3, padding=1, bias=False, name="c3"), name="bn3")
    shortcut = b.batch_norm(b.conv2d(x, 16, 1, stride=2, bias=False, name="down"), name="down_bn")
    x = b.relu(b.add(y, shortcut))
    x = b.flatten(b.adaptive_avg_pool2d(x, 1))
    x = b.linear(b.dropout(x, 0.5), 5, name="fc")
    graph = b.build(outputs=[x], free_spatial=True)
    rng = np.random.default_rng(seed)
    for name, value in graph.params.items():  # non-trivial BN statistics so that folding matters
        if "bn" in name or "down_bn" in name:
            graph.params[name] = (rng.uniform(0.5, 1.5, value.shape) if name.endswith(("var", "weight"))
                                  else rng.normal(0, 0.3, value.shape)).astype(np.float32)
    return cnnengine.Model(graph)


def residual_twin(torch, model):
    import torch.nn.functional as F

    p = {k: torch.from_numpy(v) for k, v in model.graph.params.items()}

    def bn(x, name):
        return F.batch_norm(x, p[f"{name}.running_mean"], p[f"{name}.running_var"], p[f"{name}.weight"],
                            p[f"{name}.bias"], training=False, eps=1e-5)

    def forward(x):
        x = F.relu(bn(F.conv2d(x, p["conv1.weight"], padding=1), "bn1"))
        y = F.relu(bn(F.conv2d(x, p["c2.weight"], stride=2, padding=1), "bn2"))
        y = bn(F.conv2d(y, p["c3.weight"], padding=1), "bn3")
        x = F.relu(y + bn(F.conv2d(x, p["down.weight"], stride=2), "down_bn"))
        return F.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1), p["fc.weight"], p["fc.bias"])

    return forward


def test_passes_fold_bn_and_fuse_epilogues(torch, rng):
    model = residual_net()
    ops = [(node.op, bool(node.attrs.get("relu")), bool(node.attrs.get("residual"))) for node, _, _ in
           model._plan.steps]
    assert [op for op, _, _ in ops].count("batch_norm2d") == 0
    assert "dropout" not in [op for op, _, _ in ops]
    assert ("conv2d", True, True) in ops  # relu(bn(conv) + shortcut) became one conv
    assert sum(op == "conv2d" for op, _, _ in ops) == 4 and "add" not in [op for op, _, _ in ops]
    twin = residual_twin(torch, model)
    for shape in [(1, 3, 20, 20), (3, 3, 20, 20), (2, 3, 9, 13)]:  # free spatial size
        x = rng.standard_normal(shape, dtype=np.float32)
        with torch.no_grad():
            assert_close(model.predict(x), twin(torch.from_numpy(x)).numpy())


def test_batch_rows_equal_single_samples(rng):
    model = residual_net()
    x = rng.standard_normal((4, 3, 20, 20), dtype=np.float32)
    batched = model.predict(x)
    for i in range(4):
        np.testing.assert_allclose(batched[i], model.predict(x[i:i + 1])[0], rtol=1e-5, atol=1e-6)


def test_memory_plan_reuses_buffers_and_runs_in_place():
    model = residual_net()
    plan = model._plan
    shapes, memory = plan.shapes_and_memory({"input": (1, 3, 20, 20)})
    intermediate = [b for b in memory.buffers if not b.is_output]
    assert memory.arena_floats < sum(b.size for b in intermediate)  # lifetimes overlap only partly
    for i, a in enumerate(intermediate):  # no two live buffers overlap in the arena
        for b in intermediate[i + 1:]:
            if a.first <= b.last and b.first <= a.last:
                assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset
    steps = [(n, layer) for n, layer, _ in plan.steps]
    flatten = next(n for n, _ in steps if n.op == "flatten")
    assert memory.buffer_of[flatten.name] == memory.buffer_of[flatten.inputs[0]]  # a view, no copy
    # the block's conv + add + ReLU writes over the shortcut, which dies with it
    fused = next(n for n, _ in steps if n.op == "conv2d" and n.attrs.get("residual"))
    assert memory.buffer_of[fused.name] == memory.buffer_of[fused.inputs[1]]
    assert memory.buffer_of[fused.name] != memory.buffer_of[fused.inputs[0]]


def test_in_place_elementwise_when_input_dies(rng, torch):
    b = GraphBuilder("chain", input_shape=(4, 6, 6))
    x = b.relu(b.conv2d(b.input, 4, 3, padding=1, name="c"))
    y = b.relu(b.conv2d(x, 4, 1, name="d"))  # relu fuses into d, so the add below stays an add
    z = b.relu(b.add(x, y), name="r")
    model = b.build_model(outputs=[b.linear(b.flatten(z), 3, name="fc")])
    plan = model._plan
    shapes, memory = plan.shapes_and_memory({"input": (1, 4, 6, 6)})
    add = next(n for n, _, _ in plan.steps if n.op == "add")
    assert add.attrs.get("relu")
    assert memory.buffer_of[add.name] in {memory.buffer_of[t] for t in add.inputs}
    p = {k: torch.from_numpy(v) for k, v in model.graph.params.items()}
    inp = rng.standard_normal((1, 4, 6, 6), dtype=np.float32)
    t = torch.relu(torch.conv2d(torch.from_numpy(inp), p["c.weight"], p["c.bias"], padding=1))
    t = torch.relu(t + torch.relu(torch.conv2d(t, p["d.weight"], p["d.bias"])))
    expected = torch.nn.functional.linear(torch.flatten(t, 1), p["fc.weight"], p["fc.bias"]).numpy()
    assert_close(model.predict(inp), expected)


@pytest.mark.parametrize(
    "x,match",
    [
        (np.zeros((1, 3, 256), np.float32), r"input must be N x 3 x 256 x 256 float32, got a 3-D array"),
        (np.zeros((1, 4, 256, 256), np.float32), r"input must be N x 3 x 256 x 256 float32, got shape \(1, 4, 256, 256\)"),
        (np.zeros((1, 3, 255, 256), np.float32), r"got shape \(1, 3, 255, 256\)"),
        (np.zeros((1, 3, 256, 256), np.float64), r"N x 3 x 256 x 256 float32 \(or images\), got float64 array"),
        (np.zeros((0, 3, 256, 256), np.float32), r"empty batch"),
        ("not-a-file.png", r"not-a-file.png"),
        (42, r"got int"),
    ],
)
def test_predict_rejects_bad_input_with_expected_layout(x, match):
    model = test_predict_rejects_bad_input_with_expected_layout.model
    with pytest.raises(InputError, match=match):
        model.predict(x)


test_predict_rejects_bad_input_with_expected_layout.model = seed_example()


def test_num_threads_per_model_restores_process_setting(rng):
    previous = cnnengine.get_num_threads()
    model = cnnengine.Model(residual_net().graph, num_threads=1)
    x = rng.standard_normal((2, 3, 20, 20), dtype=np.float32)
    one = model.predict(x)
    assert cnnengine.get_num_threads() == previous
    np.testing.assert_array_equal(one, cnnengine.Model(model.graph, num_threads=2).predict(x))
    with pytest.raises(ValueError, match="num_threads"):
        cnnengine.Model(model.graph, num_threads=0)
