"""The shipped model: cnnengine.load("fashion-lenet") (made by scripts/train_fashion_lenet.py)
classifies the shipped Fashion-MNIST test samples (samples/fashion/<label>-<index>.png, one per
class), and the README's command runs out of the box."""
from pathlib import Path

import cnnengine
from cnnengine.cli import main
from cnnengine.training.data import FASHION_MNIST_LABELS

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples" / "fashion").glob("*.png"))


def expected_label(path):
    slug = path.stem.rsplit("-", 1)[0]
    return next(label for label in FASHION_MNIST_LABELS if label.lower().replace("/", "-").replace(" ", "-") == slug)


def test_shipped_model_loads_by_name_with_labels_and_recipe():
    model = cnnengine.load("fashion-lenet")
    assert model.labels == FASHION_MNIST_LABELS
    assert model.preprocessing["mode"] == "L" and model.preprocessing["mean"] == [0.5]
    assert len(SAMPLES) == 10


def test_shipped_model_classifies_the_samples():
    model = cnnengine.load("fashion-lenet")
    top1 = [model.classify(str(path), top=1)[0][0] for path in SAMPLES]
    correct = sum(label == expected_label(path) for label, path in zip(top1, SAMPLES))
    assert correct >= 8, list(zip(top1, [p.name for p in SAMPLES]))  # a ~90% model on 10 test images


def test_readme_predict_command(capsys):
    assert main(["predict", "fashion-lenet", *map(str, SAMPLES[:2]), "--top", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(SAMPLES[0].name) and len(lines) == 12
