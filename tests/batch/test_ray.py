"""The Ray Data engine on a local two-CPU cluster (one Ray session for the module): predictions
equal to single-process Model.predict, failures recorded, resume does no work twice (also for a
ray.data.Dataset source), and the in-process engine writes the same results."""
import pytest

from batch_checks import NUM_GOOD, assert_matches_reference
from cnnengine.batch import predict_images, read_results


@pytest.fixture(scope="module")
def ray_output(ray_session, model_file, image_paths, tmp_path_factory):
    """The Ray engine over every input (2 actors x 1 thread), with every column."""
    out = tmp_path_factory.mktemp("ray") / "preds.parquet"
    report = predict_images(model_file, image_paths, out, top=3, embeddings=True, raw=True, engine="ray",
                            batch_size=16, workers=2, threads=1)
    return out, report


def test_ray_matches_single_process_predict(ray_output, image_paths, reference):
    out, report = ray_output
    table = read_results(out)
    assert_matches_reference(table, image_paths, reference, top=3)
    assert table.column("index").to_pylist() == list(range(len(image_paths)))  # sorted back to input order
    assert [image_paths[i] for i in table.column("index").to_pylist()] == table.column("path").to_pylist()
    assert (report.engine, report.processed, report.failures, report.skipped) == \
        ("ray", len(image_paths), len(image_paths) - NUM_GOOD, 0)


def test_local_engine_writes_the_same_results(ray_output, model_file, image_paths, tmp_path):
    predict_images(model_file, image_paths, tmp_path / "local", top=3, embeddings=True, raw=True,
                   engine="local", batch_size=16, threads=1)
    ray_rows = read_results(ray_output[0]).to_pylist()
    local_rows = read_results(tmp_path / "local").to_pylist()
    assert len(ray_rows) == len(local_rows)
    for ray_row, local_row in zip(ray_rows, local_rows):
        # Both engines batch by 16 from the same order, but Ray may cut batches at its block ends.
        assert {k: v for k, v in ray_row.items() if k not in ("output", "embedding", "probabilities")} == \
            {k: v for k, v in local_row.items() if k not in ("output", "embedding", "probabilities")}
        for column in ("output", "embedding", "probabilities"):
            assert (ray_row[column] is None) == (local_row[column] is None)
            if ray_row[column] is not None:
                assert ray_row[column] == pytest.approx(local_row[column], rel=1e-5, abs=1e-6)


def test_ray_resume_does_no_work_twice(ray_session, model_file, image_paths, tmp_path):
    out = tmp_path / "preds.parquet"
    first = predict_images(model_file, image_paths[:100], out, engine="ray", batch_size=16, workers=2, threads=1)
    second = predict_images(model_file, image_paths, out, engine="ray", batch_size=16, workers=2, threads=1)
    third = predict_images(model_file, image_paths, out, engine="ray", threads=1)
    assert (first.processed, second.processed, second.skipped, third.processed, third.skipped) == \
        (100, len(image_paths) - 100, 100, 0, len(image_paths))
    paths = read_results(out).column("path").to_pylist()
    assert sorted(paths) == sorted(image_paths)  # each image exactly once


def test_ray_dataset_source_resumes(ray_session, model_file, image_paths, tmp_path):
    """A ray.data.Dataset of paths streams as it is (no index); images already done are dropped."""
    out = tmp_path / "preds.parquet"
    predict_images(model_file, image_paths[:40], out, engine="local", threads=1)
    dataset = ray_session.data.from_items([{"file": path} for path in image_paths], override_num_blocks=4)
    report = predict_images(model_file, dataset, out, path_column="file", batch_size=16, workers=2, threads=1)
    assert (report.engine, report.processed, report.skipped) == ("ray", len(image_paths) - 40, 40)
    table = read_results(out)
    assert sorted(table.column("path").to_pylist()) == sorted(image_paths)
    assert table.column("index").null_count == len(image_paths) - 40
