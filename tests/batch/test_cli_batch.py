"""`cnnengine batch-predict` with the in-process engine: a summary line, a Parquet directory,
resume on re-run, several sources, and exit status 2 with one line for what the user can fix."""
from cnnengine.batch import read_results
from cnnengine.cli import main


def test_batch_predict_local(pyarrow, model_file, image_dir, tmp_path, capsys):
    out = tmp_path / "preds.parquet"
    argv = ["batch-predict", str(model_file), str(image_dir / "*.png"), "--out", str(out), "--local", "--top", "2", "--threads", "1"]
    assert main(argv) == 0
    pngs = sorted(str(p) for p in image_dir.glob("*.png"))
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith(f"{len(pngs)} images in ") and "img/s, local), 1 failed, 0 skipped" in summary
    table = read_results(out)
    assert table.column("path").to_pylist() == pngs and table.column_names[3:] == ["classes", "labels", "probabilities"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith(f"0 images in ")


def test_several_sources_are_joined(pyarrow, model_file, image_dir, tmp_path, capsys):
    files = [str(image_dir / "img004.jpg"), str(image_dir / "img000.png")]
    assert main(["batch-predict", str(model_file), *files, "--out", str(tmp_path / "o"), "--local",
                 "--top", "0", "--embeddings", "--threads", "1"]) == 0
    assert read_results(tmp_path / "o").column("path").to_pylist() == files


def test_user_errors_exit_2(pyarrow, model_file, image_dir, tmp_path, capsys):
    base = ["batch-predict", str(model_file), str(image_dir), "--out", str(tmp_path / "o"), "--local"]
    assert main(base + ["--top", "0"]) == 2
    assert capsys.readouterr().err.strip() == \
        "cnnengine batch-predict: error: nothing to write: give top > 0, embeddings=True or raw=True"
    assert main(["batch-predict", str(tmp_path / "none.npz"), str(image_dir), "--out", str(tmp_path / "o")]) == 2
    assert "model file not found" in capsys.readouterr().err
