"""`cnnengine bench MODEL`: one table row per (threads, batch) with the right input shape, the
canonical or --size input for free-size models, and exit status 2 with a message for bad input.
Timings are not asserted (the machine is shared), only that they are positive and consistent."""
import pytest

from cnnengine import zoo
from cnnengine.builder import GraphBuilder
from cnnengine.cli import main


@pytest.fixture(scope="module")
def lenet_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "lenet5.npz"
    zoo.lenet5().save(path)
    return path


def free_size_model(canonical):
    """conv -> global average pool -> linear, any H x W; `canonical` is stored as input_shape."""
    b = GraphBuilder("tiny", input_shape=(3,) + canonical)
    x = b.adaptive_avg_pool2d(b.relu(b.conv2d(b.input, 4, 3, padding=1)), 1)
    return b.build_model(outputs=[b.linear(b.flatten(x), 5)], free_spatial=True)


def table_rows(out):
    """[(shape, threads, median, p90, min, img/s)] from the printed table."""
    rows = []
    for line in out.splitlines()[2:]:
        shape, numbers = line[:22].strip(), line[22:].split()
        rows.append((shape, int(numbers[0]), *map(float, numbers[1:])))
    return rows


def test_rows_per_threads_and_batch(lenet_file, capsys):
    assert main(["bench", str(lenet_file), "--batch", "1", "4", "--threads", "1", "2", "--runs", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "lenet5: 3 timed calls per case after 3 warm-up, random float32 input"
    rows = table_rows(out)
    assert [(shape, threads) for shape, threads, *_ in rows] == [
        ("1 x 1 x 28 x 28", 1), ("4 x 1 x 28 x 28", 1), ("1 x 1 x 28 x 28", 2), ("4 x 1 x 28 x 28", 2)]
    for shape, _, median, p90, fastest, images_per_s in rows:
        batch = int(shape.split()[0])
        assert 0 < fastest <= median <= p90
        # The table prints ms to 3 decimals: at LeNet's ~0.02 ms that rounding alone is ~2.5%.
        assert batch / images_per_s * 1e3 == pytest.approx(median, rel=0.01, abs=5e-4)


def test_free_size_model_uses_canonical_or_given_size(tmp_path, capsys):
    path = tmp_path / "tiny.npz"
    free_size_model((20, 24)).save(path)
    assert main(["bench", str(path), "--runs", "2", "--threads", "1"]) == 0
    assert table_rows(capsys.readouterr().out)[0][0] == "1 x 3 x 20 x 24"
    assert main(["bench", str(path), "--runs", "2", "--threads", "1", "--size", "9", "7", "--batch", "2"]) == 0
    assert table_rows(capsys.readouterr().out)[0][0] == "2 x 3 x 9 x 7"


def test_free_size_model_without_canonical_size(tmp_path, capsys):
    model = free_size_model((20, 24))
    del model.graph.metadata["input_shape"]
    path = tmp_path / "nosize.npz"
    model.save(path)
    assert main(["bench", str(path), "--runs", "2"]) == 2
    err = capsys.readouterr().err
    assert "stores no canonical size; give one with --size H W" in err and "Traceback" not in err


def test_size_of_a_fixed_size_model_exits_2_before_timing(lenet_file, capsys):
    assert main(["bench", str(lenet_file), "--size", "32", "32"]) == 2
    captured = capsys.readouterr()
    assert "takes a fixed input of (1, 28, 28); --size [32, 32] does not fit" in captured.err
    assert captured.out == ""


def test_missing_model_file(tmp_path, capsys):
    assert main(["bench", str(tmp_path / "none.npz")]) == 2
    assert "model file not found" in capsys.readouterr().err


def test_usage_errors_exit_2():
    for argv in (["--runs", "0"], ["--batch", "x"], ["--size", "3"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["bench", "model.npz", *argv])
        assert exit_info.value.code == 2


def test_layers_flag_prints_every_layer_under_each_row(lenet_file, capsys):
    assert main(["bench", str(lenet_file), "--batch", "1", "2", "--threads", "1", "--runs", "2", "--layers"]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = [row["name"] for row in zoo.lenet5().layers() if row["op"] != "flatten"]
    tables = [i for i, line in enumerate(lines) if line.split()[:2] == ["layer", "op"]]
    assert len(tables) == 2  # one per batch size, under its row
    for start in tables:
        assert lines[start - 1].startswith(("1 x 1 x 28 x 28", "2 x 1 x 28 x 28"))
        rows = [line.split() for line in lines[start + 1:start + 1 + len(expected)]]
        assert [row[0] for row in rows] == expected
        assert sum(float(row[-1].rstrip("%")) for row in rows) == pytest.approx(100, abs=0.5)
