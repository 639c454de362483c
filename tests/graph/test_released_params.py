"""A model loaded from a file keeps only its packed weights (docs/memory.md): the graph's arrays
are read from the file again when save, training or a new plan needs them. Everything must give
the results of a model that kept its arrays, and a file changed in between must be refused."""
import pickle
import shutil

import numpy as np
import pytest

import cnnengine
from cnnengine import ModelFormatError
from cnnengine.model_format import load_graph
from cnnengine.training.optim import SGD

from test_builder_and_executor import residual_net  # noqa: E402


@pytest.fixture
def saved(tmp_path):
    """(model that kept its arrays, path of its file, a fresh batch)."""
    model = residual_net()
    path = tmp_path / "tiny.npz"
    model.save(path)
    x = np.random.default_rng(5).standard_normal((2, 3, 20, 20), dtype=np.float32)
    return model, path, x


def test_released_model_predicts_and_saves_the_same(saved, tmp_path):
    kept, path, x = saved
    loaded = cnnengine.load(path)
    np.testing.assert_array_equal(loaded.predict(x), kept.predict(x))
    loaded.save(tmp_path / "again.npz")
    assert (tmp_path / "again.npz").read_bytes() == path.read_bytes()
    for name, value in kept.graph.params.items():
        np.testing.assert_array_equal(loaded.graph.params[name], value)


def test_released_model_trains_like_one_that_kept_its_arrays(saved):
    kept, path, x = saved
    labels = np.array([1, 3])
    results = []
    for model in (cnnengine.load(path), residual_net()):
        model.train()
        optimizer = SGD(model.graph.params, model.trainer.trainable(), lr=0.1)
        optimizer.step(model.trainer.loss_and_grads(x, labels)[2])
        results.append((model.eval().predict(x), {n: v.copy() for n, v in model.graph.params.items()}))
    (released, released_params), (reference, reference_params) = results
    np.testing.assert_array_equal(released, reference)
    assert released_params.keys() == reference_params.keys()
    for name in reference_params:
        np.testing.assert_array_equal(released_params[name], reference_params[name])
    assert not np.array_equal(released, kept.predict(x))  # the step changed the network


def test_a_second_model_of_a_released_graph_reads_the_file_again(saved):
    kept, path, x = saved
    graph = load_graph(path)
    first, second = cnnengine.Model(graph), cnnengine.Model(graph, algo="gemm")
    np.testing.assert_array_equal(first.predict(x), kept.predict(x))
    np.testing.assert_allclose(second.predict(x), kept.predict(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("change", ["overwritten", "deleted"])
def test_a_file_changed_since_loading_is_refused(saved, tmp_path, change):
    _, path, x = saved
    copy = tmp_path / "copy.npz"
    shutil.copy(path, copy)
    model = cnnengine.load(copy)
    if change == "overwritten":
        residual_net(seed=1).save(copy)
        message = "changed since the model was loaded"
    else:
        copy.unlink()
        message = "must be read from .* again, which failed"
    with pytest.raises(ModelFormatError, match=message):
        model.save(tmp_path / "out.npz")
    model.predict(x)  # the packed weights still run


def test_arrays_handed_out_are_kept_and_never_reread(saved, tmp_path):
    """Once graph.params was read (and may have been changed), a later plan uses those arrays."""
    kept, path, x = saved
    copy = tmp_path / "copy.npz"
    shutil.copy(path, copy)
    model = cnnengine.load(copy)
    model.graph.params["fc.bias"] += 1.0
    copy.unlink()
    model.train().eval()  # a new plan, from the arrays in memory
    np.testing.assert_allclose(model.predict(x), kept.predict(x) + 1.0, rtol=1e-5, atol=1e-5)


def test_a_released_graph_pickles_with_its_arrays(saved, tmp_path):
    """Ray ships graphs to its actors by pickle: the copy must carry the arrays, not the file."""
    kept, path, x = saved
    copy = tmp_path / "copy.npz"
    shutil.copy(path, copy)
    graph = cnnengine.load(copy).graph
    shipped = pickle.loads(pickle.dumps(graph))
    copy.unlink()
    np.testing.assert_array_equal(cnnengine.Model(shipped).predict(x), kept.predict(x))
