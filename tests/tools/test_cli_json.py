"""`cnnengine predict --json` with batching, and `cnnengine info --json`, on a small saved model."""
import json
from pathlib import Path

import numpy as np
import pytest

from cnnengine.cli import main

CAT = Path(__file__).resolve().parents[2] / "examples" / "cat.jpg"


@pytest.fixture(scope="module")
def model_file(classifier_file):
    return classifier_file


def test_predict_json_batches_images(model_file, tmp_path, capsys):
    model, path = model_file
    flipped = tmp_path / "flipped.png"
    from PIL import Image

    with Image.open(CAT) as image:
        image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(flipped)
    images = [str(CAT), str(flipped), str(CAT)]
    assert main(["predict", str(path), *images, "--json", "--top", "2", "--batch-size", "2"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["image"] for r in results] == images
    for result in results:
        expected = model.classify(result["image"], top=2)
        assert [(t["label"], pytest.approx(t["probability"], abs=1e-6)) for t in result["top"]] == \
            [(label, pytest.approx(p, abs=1e-6)) for label, p in expected]
    assert results[0]["top"] == results[2]["top"]


def test_info_json(model_file, capsys):
    model, path = model_file
    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["name"] == "tiny_classifier" and info["labels"] == model.labels == ["cat", "dog", "fish", "bird"]
    assert info["preprocessing"]["crop"] == 224
    assert [layer["op"] for layer in info["layers"]] == ["conv2d+relu", "adaptive_avg_pool2d", "flatten", "linear"]
    assert info["params"] == sum(int(np.prod(p.shape)) for p in model.graph.params.values())
    assert info["inputs"][0]["shape"] == ["N", 3, None, None]


def test_predict_json_reports_a_bad_image_by_name(model_file, tmp_path, capsys):
    _, path = model_file
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    assert main(["predict", str(path), str(CAT), str(bad), "--json"]) == 2
    assert "broken.jpg" in capsys.readouterr().err
