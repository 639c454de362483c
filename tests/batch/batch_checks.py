"""Shared by the batch tests: the broken inputs and a result table checked against single-process
Model.predict."""
import importlib
import os

import numpy as np
import pytest

NUM_GOOD = 296
BROKEN = {"truncated.jpg": "truncated", "text.jpg": "cannot identify", "empty.png": "cannot identify"}
MISSING = "missing.jpg"


def required_module(name: str):
    """The module; CI installs the batch extra, so there a missing one is an error, elsewhere a skip."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f'{name} is not installed (pip install "cnnengine[batch]")')


def assert_matches_reference(table, image_paths, reference, top):
    """One row per input path; good images carry the reference logits/embeddings (float32
    summation-order tolerance: batches here, one image at a time there) and a top-k consistent
    with them; broken and missing images carry their reason and no values."""
    rows = table.to_pylist()
    assert sorted(row["path"] for row in rows) == sorted(image_paths)
    for row in rows:
        name = os.path.basename(row["path"])
        if row["path"] not in reference:
            expected = BROKEN.get(name, "not found" if name == MISSING else None)
            assert expected is not None and expected in row["error"], row
            assert row["output"] is None and row["embedding"] is None and row["labels"] is None
            continue
        assert row["error"] is None, row
        logits, embedding = reference[row["path"]]
        assert_close(np.array(row["output"], np.float32), logits)
        assert_close(np.array(row["embedding"], np.float32), embedding)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        assert len(row["classes"]) == top
        assert [f"class{c}" for c in row["classes"]] == row["labels"]
        np.testing.assert_allclose(row["probabilities"], probabilities[row["classes"]], rtol=1e-4)
        assert row["probabilities"][0] >= probabilities.max() - 1e-5 and row["probabilities"] == sorted(
            row["probabilities"], reverse=True)


def assert_close(ours, reference):
    scale = float(np.abs(reference).max())
    assert ours.shape == reference.shape and np.abs(ours - reference).max() <= 1e-5 * scale + 1e-7
