"""The `cnnengine` command: convert (torchvision, random init), info, predict on the sample photo,
and exit status 2 with a one-line message (no traceback) for what the user can fix."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnnengine.cli import main

ROOT = Path(__file__).resolve().parents[2]
CAT = ROOT / "examples" / "cat.jpg"


@pytest.fixture(scope="module")
def resnet18_file(tmp_path_factory):
    """resnet18 converted by the CLI (random init: no download), shared by the tests below."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("torchvision")
    path = tmp_path_factory.mktemp("cli") / "resnet18.npz"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert main(["convert", "--torchvision", "resnet18", str(path)]) == 0
    finally:
        torch.set_num_threads(threads)
    return path


def test_convert_writes_a_model(resnet18_file):
    assert resnet18_file.stat().st_size > 40_000_000  # 11.7 M float32 parameters


def test_info(resnet18_file, capsys):
    assert main(["info", str(resnet18_file)]) == 0
    out = capsys.readouterr().out
    assert "name:          resnet18" in out
    assert "input:         input  N x 3 x ? x ?" in out and "N x 1000" in out
    assert "labels:        1000 (tench, goldfish" in out
    assert '"crop": 224' in out and '"mean": [0.485, 0.456, 0.406]' in out
    assert "conv2d+residual+relu" in out and "resnet18: 24 layers as run" in out  # Model.summary()


def test_predict_top5(resnet18_file, capsys):
    from cnnengine.convert import imagenet_categories

    assert main(["predict", str(resnet18_file), str(CAT), str(CAT), "--top", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 12 and lines[0] == lines[6] == str(CAT)
    assert lines[1:6] == lines[7:12]
    labels = set(imagenet_categories())
    probabilities = []
    for line in lines[1:6]:
        label, probability = line.strip().rsplit("  ", 1)
        assert label.strip() in labels
        probabilities.append(float(probability))
    assert probabilities == sorted(probabilities, reverse=True) and 0 < probabilities[0] <= 1


@pytest.mark.parametrize("argv, message", [
    (["info", "missing.npz"], "model file not found: missing.npz"),
    (["info", str(CAT)], "not a readable cnnengine model file"),
    (["predict", str(CAT), str(CAT)], "not a readable cnnengine model file"),
    (["convert", "--torchvision", "resnet999", "out.npz"], "unknown torchvision classification model 'resnet999'"),
    (["convert", "--torchvision", "resnet18", "--weights", "NOPE", "out.npz"], "no weights 'NOPE'"),
])
def test_errors_exit_2_with_a_message(argv, message, capsys):
    if argv[0] == "convert":
        pytest.importorskip("torchvision")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_image(resnet18_file, tmp_path, capsys):
    assert main(["predict", str(resnet18_file), str(tmp_path / "nope.jpg")]) == 2
    assert "image file not found" in capsys.readouterr().err


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "model.npz", "x.jpg", "--top", "0"])
    assert exit_info.value.code == 2


def test_python_m_entry_point(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "cnnengine.cli", "info", str(tmp_path / "none.npz")],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == f"cnnengine info: error: model file not found: {tmp_path / 'none.npz'}"
