"""`cnnengine train` and `cnnengine finetune` end to end on tiny data (one epoch, seconds)."""
import numpy as np

import cnnengine
from cnnengine.cli import main
from test_trainer import toy_data, write_idx


def train_on_toy_idx(tmp_path, rng, count, *options):
    """`cnnengine train` of LeNet-5 on `count` toy images written as IDX files; its exit code."""
    images, labels = toy_data(rng, count)
    write_idx(tmp_path / "x.gz", images)
    write_idx(tmp_path / "y.gz", labels)
    return main(["train", "--model", "lenet5", "--idx", str(tmp_path / "x.gz"), str(tmp_path / "y.gz"),
                 "--batch-size", "16", "--no-progress", "--threads", "1", *options])


def test_train_on_idx_files_then_finetune_on_a_folder(tmp_path, rng, capsys):
    base = tmp_path / "base.npz"
    assert train_on_toy_idx(tmp_path, rng, 64, "--epochs", "1", "--flip", "--crop-padding", "2",
                            "--checkpoint", str(tmp_path / "ckpt.npz"), "--output", str(base)) == 0
    assert '"epoch": 1' in capsys.readouterr().out
    assert cnnengine.load(base).predict(np.zeros((1, 1, 28, 28), np.float32)).shape == (1, 2)

    from PIL import Image

    for name in ("boots", "coats", "hats"):
        (tmp_path / "photos" / name).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (30, 30), dtype=np.uint8)).save(tmp_path / "photos" / name / f"{i}.png")
    tuned = tmp_path / "tuned.npz"
    assert main(["finetune", "--model", str(base), "--data", str(tmp_path / "photos"), "--freeze-all-but-head",
                 "--epochs", "1", "--optimizer", "adam", "--lr", "0.001", "--no-progress",
                 "--output", str(tuned)]) == 0
    model = cnnengine.load(tuned)
    assert model.labels == ["boots", "coats", "hats"]
    before, after = cnnengine.load(base).graph.params, model.graph.params
    np.testing.assert_array_equal(before["features.0.weight"], after["features.0.weight"])  # frozen
    assert after["classifier.4.weight"].shape == (3, 84)


def test_training_without_data_is_a_usage_error(tmp_path, capsys):
    assert main(["train", "--model", "lenet5", "--output", str(tmp_path / "m.npz")]) == 2
    assert "--data" in capsys.readouterr().err


def test_train_writes_the_training_curves_as_a_png(tmp_path, rng, capsys):
    curves = tmp_path / "curves.png"
    assert train_on_toy_idx(tmp_path, rng, 32, "--epochs", "2", "--curves", str(curves),
                            "--output", str(tmp_path / "m.npz")) == 0
    assert f"wrote {curves}" in capsys.readouterr().out
    from PIL import Image

    with Image.open(curves) as picture:  # figsize 9 x 3.5 inches at 100 dpi
        assert picture.format == "PNG" and picture.size == (900, 350)
