"""benchmarks/suite: the report writer on made-up results (ratios, absent and failed engines, the
output check flag, PNG and JSON files), and one tiny real run (LeNet-5, cnnengine and PyTorch, an
engine made absent) through the worker processes. No timing is asserted."""
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SUITE_MODULES = ("models", "engines", "machine", "report", "timing", "__main__suite")


@pytest.fixture
def suite(monkeypatch):
    """The suite's modules imported from benchmarks/suite (their names are generic: they are
    removed from sys.modules again afterwards)."""
    import importlib.util

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.syspath_prepend(str(BENCHMARKS / "suite"))
    for name in SUITE_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    spec = importlib.util.spec_from_file_location("__main__suite", BENCHMARKS / "suite" / "__main__.py")
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    yield driver
    for name in SUITE_MODULES:
        sys.modules.pop(name, None)


def fake_results():
    engines = {"cnnengine": {"title": "cnnengine", "status": "ok", "version": "0.1.0"},
               "torch": {"title": "PyTorch", "status": "ok", "version": "2"},
               "onnxruntime": {"title": "ONNX Runtime", "status": "ok", "version": "1"},
               "ncnn": {"title": "ncnn", "status": "absent", "reason": "not installed: ncnn"}}
    machine = {"cpu_model": "Test CPU", "usable_cpus": 2, "isa_flags": ["avx2", "fma"],
               "load_average_at_start": [0.0, 0.0, 0.0], "engines": engines}
    settings = {"runs": 3, "rounds": 1, "warmup": 2, "threads": [2]}

    def case(model, batch, engine, ms):
        return {"model": model, "batch": batch, "threads": 2, "engine": engine, "seconds": [s / 1e3 for s in ms]}

    latency = [case("resnet18", 1, "cnnengine", [2, 2, 9]), case("resnet18", 1, "torch", [4, 4, 4]),
               case("resnet18", 1, "onnxruntime", [1, 1, 1]),
               case("resnet18", 8, "cnnengine", [8, 8, 8]), case("resnet18", 8, "torch", [32, 32, 32])]
    footprint = [{"model": "resnet18", "threads": 2, "engine": key, "cold_start_s": [cold], "peak_rss_mb": [rss]}
                 for key, cold, rss in (("cnnengine", 0.1, 50), ("torch", 2.0, 500), ("onnxruntime", 0.2, 200))]
    check = [{"model": "resnet18", "engine": "cnnengine", "relative_error": 2e-7},
             {"model": "resnet18", "engine": "onnxruntime", "relative_error": 0.5}]
    errors = [{"model": "resnet18", "engine": "onnxruntime", "threads": 2, "message": "run failed: boom"}]
    return {"machine": machine, "settings": settings, "latency": latency, "check": check,
            "footprint": footprint, "errors": errors}


def table(text, heading):
    """Rows (lists of cells) of the markdown table under `heading`."""
    lines = text.split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_report_ratios_and_files(suite, tmp_path):
    import report

    results = fake_results()
    paths = report.write(results, tmp_path / "out")
    text = Path(paths["report.md"]).read_text()
    assert "Absent: ncnn (not installed: ncnn)" in text
    latency = table(text, "## Latency, median (p90), ms")
    assert latency[0] == ["ResNet-18", "1", "2", "2.000 (7.600)", "4.000 (4.000)", "1.000 (1.000)", "0.50",
                          "2.00 (ONNX Runtime)", "3"]
    assert latency[1][3:] == ["8.000 (8.000)", "32.000 (32.000)", "failed", "0.25", "0.25 (PyTorch)", "3"]
    throughput = table(text, "## Throughput")
    assert throughput == [["ResNet-18", "8", "2", "1000.0", "250.0", "failed", "4.00x (PyTorch)"]]
    footprint = table(text, "## Cold start and peak memory")
    assert [row[2:] for row in footprint] == [["cnnengine", "0.100", "50", "–", "–"],
                                              ["PyTorch", "2.000", "500", "0.05", "0.10"],
                                              ["ONNX Runtime", "0.200", "200", "0.50", "0.25"]]
    assert "- ResNet-18, cnnengine: 2.0e-07\n" in text
    assert "- ResNet-18, ONNX Runtime: 5.0e-01  <-- outputs differ" in text
    assert "- resnet18, onnxruntime, 2 thread(s): run failed: boom" in text
    assert Path(paths["latency.png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(Path(paths["results.json"]).read_text()) == results


@pytest.mark.parametrize("start, end, shared", [(1.96, 1.93, False), (1.95, 1.10, True)])
def test_report_states_the_parallel_speedup(suite, start, end, shared):
    import report

    results = fake_results()
    results["machine"]["parallel_speedup"] = {"threads": 2, "start": start, "end": end}
    text = report.markdown(results)
    assert f"ran {start:.2f}x faster on 2 threads than on 1 at the start, {end:.2f}x at the end." in text
    assert ("The host shared the CPUs" in text) == shared


def test_parallel_speedup_probe(suite):
    import machine

    assert machine.parallel_speedup(1) == 1.0
    assert machine.parallel_speedup(2, seconds=0.02) > 0


def test_rotated_gives_every_engine_each_turn(suite):
    keys = ["a", "b", "c"]
    assert [suite.rotated(keys, shift) for shift in range(4)] == [
        ["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
    assert suite.rotated([], 3) == []


def test_bad_options_exit_2(suite):
    for argv in (["--runs", "0"], ["--threads", "0"], ["--models", "resnet999"], ["--warmup", "-1"]):
        with pytest.raises(SystemExit) as exit_info:
            suite.parse_args(argv)
        assert exit_info.value.code == 2


def test_tiny_run_through_the_workers(suite, tmp_path, monkeypatch, capsys):
    """LeNet-5 in cnnengine and PyTorch, batches 1 and 3, 2 rounds of 1 run; ncnn made absent."""
    import engines

    monkeypatch.setitem(engines.ENGINES, "ncnn", engines.ENGINES["ncnn"]._replace(modules=("no_such_module_x",)))
    out = tmp_path / "out"
    suite.main(["--models", "lenet5", "--engines", "cnnengine", "torch", "ncnn", "--batches", "1", "3",
                "--threads", "1", "--runs", "2", "--rounds", "2", "--warmup", "1", "--footprint-models", "lenet5",
                "--cold-runs", "1", "--settle", "0", "--cache-dir", str(tmp_path / "cache"), "--out", str(out)])
    results = json.loads((out / "results.json").read_text())
    assert results["errors"] == []
    assert results["machine"]["parallel_speedup"] == {"threads": 1, "start": 1.0, "end": 1.0}
    assert results["machine"]["engines"]["ncnn"] == {"title": "ncnn", "status": "absent",
                                                     "reason": "not installed: no_such_module_x"}
    cases = {(e["engine"], e["batch"]): e["seconds"] for e in results["latency"]}
    assert sorted(cases) == [("cnnengine", 1), ("cnnengine", 3), ("torch", 1), ("torch", 3)]
    assert all(len(seconds) == 2 and min(seconds) > 0 for seconds in cases.values())
    [check] = results["check"]
    assert check["engine"] == "cnnengine" and check["relative_error"] < 1e-5
    for entry in results["footprint"]:
        assert entry["cold_start_s"][0] > 0 and 10 < entry["peak_rss_mb"][0] < 5000
    printed = capsys.readouterr().out
    assert printed == (out / "report.md").read_text() + "\n"
    assert "| LeNet-5 | 3 | 1 |" in printed

    # a model file that cannot load fails its engine only, with the engine's own message
    [folder] = (tmp_path / "cache").iterdir()
    (folder / "weights.pt").write_bytes(b"not a state_dict")
    suite.main(["--models", "lenet5", "--engines", "cnnengine", "torch", "--batches", "1", "--threads", "1",
                "--runs", "1", "--rounds", "1", "--footprint-models", "--settle", "0",
                "--cache-dir", str(tmp_path / "cache"), "--out", str(out)])
    results = json.loads((out / "results.json").read_text())
    [error] = results["errors"]
    assert error["engine"] == "torch" and error["message"].startswith("load failed: ")
    assert [entry["engine"] for entry in results["latency"]] == ["cnnengine"] and results["check"] == []
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| LeNet-5 | 1 | 1 | ")]
    assert row.endswith(" | failed | – | – | 1 |")  # PyTorch's cell, no ratios without a peer


def test_batch_norm_statistics_come_from_a_batch(suite):
    """Fresh statistics (mean 0, variance 1) would let activations vanish towards denormals."""
    import models
    import torch

    module = models.torch_module("resnet18")
    norms = [m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(norms) == 20 and not module.training
    for norm in norms:
        assert norm.momentum == 0.1 and int(norm.num_batches_tracked) == 1
        assert not torch.allclose(norm.running_var, torch.ones_like(norm.running_var))
    with torch.no_grad():
        features = torch.nn.Sequential(*list(module.children())[:-2])(torch.randn(1, 3, 224, 224))
    assert 0.1 < float(features.std()) < 10
