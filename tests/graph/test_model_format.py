"""The .npz model format: round trip, and every way a file can be bad -> ModelFormatError."""
import json
import zipfile

import numpy as np
import pytest

import cnnengine
from cnnengine import ModelFormatError
from cnnengine.model_format import FORMAT_KEY, GRAPH_KEY, METADATA_KEY, json_bytes

from test_builder_and_executor import residual_net  # noqa: E402


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = residual_net()
    path = tmp_path_factory.mktemp("models") / "tiny.npz"
    model.save(path)
    return model, path


def members(path):
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def write(path, content):
    np.savez(path, **content)
    return path


def test_round_trip_is_bit_exact(saved, rng):
    model, path = saved
    loaded = cnnengine.load(path)
    x = rng.standard_normal((2, 3, 20, 20), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.graph.structure() == model.graph.structure()
    assert loaded.graph.metadata == model.graph.metadata
    for name, value in model.graph.params.items():
        np.testing.assert_array_equal(loaded.graph.params[name], value)


def test_readable_with_numpy_alone(saved):
    _, path = saved
    content = members(path)
    assert int(content[FORMAT_KEY][0]) == 1
    graph = json.loads(content[GRAPH_KEY].tobytes())
    assert graph["nodes"][0]["params"]["weight"] == "conv1.weight"
    assert content["conv1.weight"].shape == (8, 3, 3, 3)


def test_missing_unexpected_and_misshaped_weights_listed_together(saved, tmp_path):
    _, path = saved
    content = members(path)
    del content["fc.bias"]
    content["conv1.weight"] = np.zeros((8, 3, 5, 5), np.float32)
    content["extra.weight"] = np.zeros(3, np.float32)
    with pytest.raises(ModelFormatError) as error:
        cnnengine.load(write(tmp_path / "bad.npz", content))
    message = str(error.value)
    assert "3 parameter problem(s)" in message
    assert "missing 'fc.bias' (expected shape (5,))" in message
    assert "'conv1.weight': expected shape (8, 3, 3, 3), found (8, 3, 5, 5)" in message
    assert "unexpected 'extra.weight'" in message


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda c: c.update({FORMAT_KEY: np.array([2], np.int64)}), "format version 2 is not supported"),
        (lambda c: c.pop(GRAPH_KEY), "no '__graph__' member"),
        (lambda c: c.update({GRAPH_KEY: np.frombuffer(b"{not json", np.uint8)}), "not valid JSON"),
        (lambda c: c.update({METADATA_KEY: json_bytes([1, 2])}), "must be JSON objects"),
        (lambda c: c.update({"fc.weight": c["fc.weight"].astype(np.float64)}), "'fc.weight' has dtype float64"),
        (lambda c: c.update({"fc.weight": np.array([object()], dtype=object)}), "Python objects"),
    ],
)
def test_bad_members_are_refused(saved, tmp_path, mutate, match):
    _, path = saved
    content = members(path)
    mutate(content)
    bad = tmp_path / "bad.npz"
    if any(v.dtype == object for v in content.values()):
        np.savez(bad, **content)  # numpy pickles object arrays; we must refuse to read them
    else:
        write(bad, content)
    with pytest.raises(ModelFormatError, match=match):
        cnnengine.load(bad)


def graph_with(saved, edit):
    _, path = saved
    content = members(path)
    structure = json.loads(content[GRAPH_KEY].tobytes())
    edit(structure)
    content[GRAPH_KEY] = json_bytes(structure)
    return content


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda s: s["nodes"][0].update({"op": "conv9d"}), "unknown layer type 'conv9d'"),
        (lambda s: s["nodes"][1].update({"inputs": ["nowhere"]}), "reads 'nowhere'"),
        (lambda s: s["nodes"][0]["attrs"].update({"kernel_size": "big"}), "kernel_size"),
        (lambda s: s.update({"outputs": ["ghost"]}), "'ghost' is not produced"),
        (lambda s: s.pop("nodes"), "malformed graph structure"),
        (lambda s: s["inputs"][0].update({"shape": [3, -1, 2]}), "invalid shape"),
    ],
)
def test_bad_graphs_are_refused(saved, tmp_path, edit, match):
    with pytest.raises(ModelFormatError, match=match):
        cnnengine.load(write(tmp_path / "bad.npz", graph_with(saved, edit)))


def test_truncated_corrupt_and_foreign_files(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    cases = {
        "truncated.npz": data[: len(data) // 2],
        "random.npz": np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "page.npz": b"<html><body>404 Not Found</body></html>",
        "empty.npz": b"",
    }
    for name, content in cases.items():
        bad = tmp_path / name
        bad.write_bytes(content)
        with pytest.raises(ModelFormatError, match=name):
            cnnengine.load(bad)
    with pytest.raises(ModelFormatError, match="not found"):
        cnnengine.load(tmp_path / "absent.npz")


def test_absurd_declared_size_is_refused_before_allocation(tmp_path):
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    header["shape"] = (10**12,)  # 4 TB
    bad = tmp_path / "huge.npz"
    with zipfile.ZipFile(bad, "w") as archive:
        with archive.open("fc.weight.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, header)
            member.write(b"\0" * 16)
    with pytest.raises(ModelFormatError, match="declares 4000000000000 bytes"):
        cnnengine.load(bad)
