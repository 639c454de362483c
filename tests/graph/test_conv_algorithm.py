"""Per-layer conv algorithm choice (cnnengine/conv_algorithm.py): the heuristic default, user
overrides per model and per layer, algo="auto" timing, and the choice kept in the model file.
Outputs of every choice agree with the GEMM path within the Winograd tolerance (1e-3 * max|y|)."""
import numpy as np
import pytest

from cnnengine import GraphBuilder, GraphError, Model, conv_algorithm, load


def small_net(seed=0):
    """3x3 convs on 20x20 (F(4,3) by the table), on 10x10 (F(2,3)), a thin first layer (direct: 27
    taps), and a strided 3x3 (GEMM only)."""
    b = GraphBuilder("net", input_shape=(3, 20, 20), seed=seed)
    x = b.relu(b.conv2d(b.input, 16, 3, padding=1, name="stem"))
    x = b.relu(b.conv2d(x, 32, 3, padding=1, name="wide"))
    x = b.conv2d(x, 32, 3, stride=2, padding=1, name="down")
    x = b.relu(b.conv2d(x, 24, 3, padding=1, name="small"))
    x = b.linear(b.flatten(x), 10, name="fc")
    return b.build(outputs=[x])


def chosen(model):
    return {name: algorithm for name, (algorithm, _) in model.conv_algorithms.items()}


def kernel_algorithms(model):
    return {node.name: kernel.algorithm for node, _, kernel in model._plan.steps if node.op == "conv2d"}


@pytest.fixture
def x(rng):
    return rng.standard_normal((2, 3, 20, 20), dtype=np.float32)


def test_heuristic_table_is_the_default():
    model = Model(small_net())
    assert chosen(model) == {"stem": "default", "wide": "winograd_f43", "down": "default", "small": "winograd_f23"}
    assert {source for _, source in model.conv_algorithms.values()} == {"heuristic"}
    assert sorted(kernel_algorithms(model).values()) == ["direct_wide", "gemm_im2col", "winograd_f23",
                                                         "winograd_f43"]
    summary = model.summary()
    assert "winograd_f43" in summary and "winograd_f23" in summary


@pytest.mark.parametrize("algo", ["winograd_f23", "winograd_f43", "winograd_f63"])
def test_model_wide_override_applies_where_it_fits(algo, x):
    model = Model(small_net(), algo=algo)
    assert chosen(model) == {"stem": algo, "wide": algo, "down": "default", "small": algo}
    reference = Model(small_net(), algo="gemm").predict(x)
    assert set(kernel_algorithms(Model(small_net(), algo="gemm")).values()) == {"gemm_im2col"}
    ours = model.predict(x)
    assert np.abs(ours - reference).max() <= 1e-3 * np.abs(reference).max()


def test_per_layer_override(x):
    model = Model(small_net(), algo={"wide": "winograd_f63", "small": "gemm"})
    assert chosen(model)["wide"] == "winograd_f63" and chosen(model)["small"] == "gemm"
    assert model.conv_algorithms["wide"][1] == "user"
    assert chosen(model)["stem"] == "default"  # not named: heuristic


@pytest.mark.parametrize("algo, error, message", [
    ("winograd_f99", ValueError, "algo must be"),
    ({"nope": "gemm"}, ValueError, "not a conv2d"),
    ({"wide": "fast"}, ValueError, "layer 'wide'"),
    ({"down": "winograd_f43"}, GraphError, "node 'down'.*does not apply"),
])
def test_bad_choices_are_named(algo, error, message):
    with pytest.raises(error, match=message):
        Model(small_net(), algo=algo)


def test_auto_times_once_and_the_file_keeps_the_choice(tmp_path, monkeypatch, x):
    timed = []
    real = conv_algorithm.fastest

    def counting(node, weight, input_shape):
        timed.append(node.name)
        return real(node, weight, input_shape)

    monkeypatch.setattr(conv_algorithm, "fastest", counting)
    model = Model(small_net(), algo="auto")
    assert sorted(timed) == ["small", "stem", "wide"]  # the 3x3 stride-1 layers
    assert model.conv_algorithms["wide"][1] == "timed"
    assert chosen(model)["wide"] in ("gemm",) + conv_algorithm.WINOGRAD
    path = tmp_path / "net.npz"
    model.save(path)

    timed.clear()
    again = load(path, algo="auto")
    assert timed == []  # the stored choices are used, no timing
    assert {name: chosen(again)[name] for name in ("stem", "wide", "small")} == \
        {name: chosen(model)[name] for name in ("stem", "wide", "small")}
    assert again.conv_algorithms["wide"][1] == "file"
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_heuristic_choices_are_not_written_to_the_file(tmp_path):
    path = tmp_path / "net.npz"
    Model(small_net()).save(path)
    assert {source for _, source in load(path).conv_algorithms.values()} == {"heuristic"}
