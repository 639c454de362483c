"""The in-process engine (no Ray): results against Model.predict, failures, resume after an
interrupted run, the output manifest, and argument checks."""
import os

import numpy as np
import pytest
from PIL import Image

from batch_checks import NUM_GOOD, assert_matches_reference
from cnnengine.batch import BatchPredictor, predict_images, read_results
from cnnengine.batch.output import MANIFEST
from cnnengine import GraphBuilder, Model
from cnnengine.errors import InputError


def test_local_matches_single_process_predict(pyarrow, model_file, image_paths, reference, tmp_path):
    report = predict_images(model_file, image_paths, tmp_path / "out", top=3, embeddings=True, raw=True,
                            engine="local", batch_size=16, workers=2, threads=1)
    table = read_results(tmp_path / "out")
    assert_matches_reference(table, image_paths, reference, top=3)
    assert table.column("index").to_pylist() == list(range(len(image_paths)))
    assert table.column("path").to_pylist() == image_paths  # written in input order
    assert (report.engine, report.processed, report.failures, report.skipped) == \
        ("local", len(image_paths), len(image_paths) - NUM_GOOD, 0)


def test_interrupted_run_resumes_without_redoing_work(pyarrow, graph, image_paths, tmp_path, monkeypatch):
    """A run stopped after a few batches keeps their rows; the next run does only the rest."""
    calls, stop_after = [], {"batches": 3}
    original = BatchPredictor.__call__

    class Stopped(Exception):
        pass

    def counted_call(self, paths, indices):
        calls.append(list(paths))
        if stop_after["batches"] is not None and len(calls) > stop_after["batches"]:
            raise Stopped
        return original(self, paths, indices)

    monkeypatch.setattr(BatchPredictor, "__call__", counted_call)
    with pytest.raises(Stopped):
        predict_images(graph, image_paths, tmp_path / "out", engine="local", batch_size=10, workers=1, threads=1)
    assert read_results(tmp_path / "out").column("path").to_pylist() == image_paths[:30]
    assert not [name for name in os.listdir(tmp_path / "out") if name.startswith(".")]  # no partial parts

    calls.clear()
    stop_after["batches"] = None
    report = predict_images(graph, image_paths, tmp_path / "out", engine="local", batch_size=10, workers=1,
                            threads=1)
    monkeypatch.undo()
    assert [path for batch in calls for path in batch] == image_paths[30:]
    assert (report.processed, report.skipped) == (len(image_paths) - 30, 30)
    assert read_results(tmp_path / "out").column("path").to_pylist() == image_paths

    again = predict_images(graph, image_paths, tmp_path / "out", engine="local")
    assert (again.processed, again.skipped) == (0, len(image_paths))


def test_parts_are_cut_by_rows_per_part(pyarrow, graph, image_paths, tmp_path):
    predict_images(graph, image_paths[:50], tmp_path / "out", engine="local", batch_size=8, rows_per_part=20,
                   threads=1)
    parts = sorted(name for name in os.listdir(tmp_path / "out") if name.endswith(".parquet"))
    assert [pyarrow.parquet.read_metadata(tmp_path / "out" / p).num_rows for p in parts] == [24, 24, 2]


def test_output_of_another_job_is_refused(pyarrow, graph, image_paths, tmp_path):
    predict_images(graph, image_paths[:5], tmp_path / "out", engine="local", top=2, threads=1)
    assert os.path.isfile(tmp_path / "out" / MANIFEST)
    with pytest.raises(InputError, match="another job"):
        predict_images(graph, image_paths, tmp_path / "out", engine="local", top=2, embeddings=True)
    retrained = graph.with_outputs(graph.outputs)
    retrained.params = dict(graph.params, **{"fc.bias": graph.params["fc.bias"] + 1})
    with pytest.raises(InputError, match="another job"):
        predict_images(retrained, image_paths, tmp_path / "out", engine="local", top=2)
    (tmp_path / "file.parquet").write_bytes(b"")
    with pytest.raises(InputError, match="not a directory"):
        predict_images(graph, image_paths, tmp_path / "file.parquet", engine="local")


def test_embeddings_only(pyarrow, graph, image_paths, reference, tmp_path):
    predict_images(graph, image_paths[:20], tmp_path / "out", top=0, embeddings=True, engine="local", threads=1)
    table = read_results(tmp_path / "out")
    assert table.column_names == ["path", "index", "error", "embedding"]
    good = [row for row in table.to_pylist() if row["error"] is None]
    assert good and all(len(row["embedding"]) == 512 for row in good)  # ResNet-18's pooled features


@pytest.mark.parametrize("kwargs, message", [
    ({"top": 0}, "nothing to write"),
    ({"top": -1}, "top must be"),
    ({"batch_size": 0}, "batch_size must be"),
    ({"workers": 1.5}, "workers must be"),
    ({"engine": "spark"}, "engine must be"),
    ({"engine": "local", "ray_address": "auto"}, "needs the Ray engine"),
])
def test_bad_arguments_are_refused_before_any_work(pyarrow, graph, image_paths, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        predict_images(graph, image_paths, tmp_path / "out", **kwargs)
    assert not os.path.exists(tmp_path / "out")


def test_model_without_recipe_is_refused(pyarrow, graph, image_paths, tmp_path):
    bare = graph.with_outputs(graph.outputs)
    bare.metadata = {k: v for k, v in graph.metadata.items() if k != "preprocessing"}
    with pytest.raises(InputError, match="no preprocessing recipe"):
        predict_images(bare, image_paths, tmp_path / "out", engine="local")


@pytest.mark.parametrize("cpus, workers, threads, expected", [
    (2, None, None, (2, 1)), (8, 2, None, (2, 4)), (8, None, 2, (4, 2)), (1, None, 4, (1, 4)), (4, 3, 3, (3, 3))])
def test_workers_and_threads_default_to_one_thread_per_cpu(cpus, workers, threads, expected):
    from cnnengine.batch.job import _workers_and_threads

    assert _workers_and_threads(cpus, workers, threads) == expected


def test_images_of_other_sizes_run_apart_and_misfits_fail_alone(pyarrow, tmp_path):
    """A recipe without a crop keeps each image's size: each size runs as its own batch, and a size
    the network refuses (fixed 8 x 8 input here) fails only its own images."""
    builder = GraphBuilder("fixed8", input_shape=(3, 8, 8), seed=0)
    logits = builder.linear(builder.flatten(builder.conv2d(builder.input, 4, 3, padding=1)), 3)
    graph = builder.build(outputs=[logits], metadata={"preprocessing": {"mean": [0.5] * 3, "std": [0.25] * 3}})
    rng = np.random.default_rng(0)
    paths = []
    for i, size in enumerate([8, 9, 8, 8, 12]):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(paths[-1])
    predict_images(graph, paths, tmp_path / "out", top=0, raw=True, engine="local", batch_size=5, threads=1)
    rows = read_results(tmp_path / "out").to_pylist()
    for path, row in zip(paths, rows):
        if Image.open(path).size == (8, 8):
            assert row["error"] is None
            np.testing.assert_allclose(row["output"], Model(graph).predict(path)[0], rtol=1e-5, atol=1e-6)
        else:
            assert row["output"] is None and "must be N x 3 x 8 x 8 float32" in row["error"]
