"""`cnnengine serve` for real: the server runs in its own process on 127.0.0.1 and is exercised
over HTTP (image bytes, JSON arrays, concurrent requests that get micro-batched, 400/413 for bad
input, /health, /metrics), then once more with two worker processes."""
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import cnnengine

ROOT = Path(__file__).resolve().parents[2]
CAT = ROOT / "examples" / "cat.jpg"
START_TIMEOUT_S = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, data=None, content_type="application/octet-stream", timeout=30):
    """(status, body bytes); HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, data=data, headers={"Content-Type": content_type} if data is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def model_file(classifier_file):
    return classifier_file[1]


def start_server(model_file, *options):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "cnnengine.cli", "serve", str(model_file), "--port", str(port),
                                "--max-body-bytes", "200000", *options], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if request(base + "/health", timeout=2)[0] == 200:
                return process, base
        except OSError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"server did not start: {process.communicate()[0].decode()[-2000:]}")


def metric_value(text, name):
    """The value of the sample line `name value` in Prometheus text."""
    return next(float(line.split()[1]) for line in text.splitlines() if line.startswith(name + " "))


def stop_server(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(model_file):
    process, base = start_server(model_file, "--max-batch", "8", "--max-wait-ms", "20", "--threads", "2")
    yield base
    stop_server(process)


def test_health(server):
    status, body = request(server + "/health")
    assert status == 200 and json.loads(body) == {"status": "ok", "model": "tiny_classifier"}


def test_image_bytes_give_the_models_top_k(server, model_file):
    status, body = request(server + "/predict?top=3", CAT.read_bytes(), "image/jpeg")
    assert status == 200, body
    predictions = json.loads(body)["predictions"]
    expected = cnnengine.load(model_file).classify(CAT, top=3)
    assert [(p["label"], pytest.approx(p["probability"], abs=1e-6)) for p in predictions[0]] == \
        [(label, pytest.approx(prob, abs=1e-6)) for label, prob in expected]


def test_json_arrays_one_sample_or_a_batch(server, model_file, rng):
    model = cnnengine.load(model_file)
    batch = rng.standard_normal((2, 3, 24, 20), dtype=np.float32)
    status, body = request(server + "/predict?top=4", json.dumps({"inputs": batch.tolist()}).encode(), "application/json")
    assert status == 200, body
    predictions = json.loads(body)["predictions"]
    assert len(predictions) == 2
    for sample, got in zip(batch, predictions):
        expected = dict(model.classify(sample[None], top=4))
        assert {p["label"]: pytest.approx(expected[p["label"]], abs=1e-5) for p in got} == expected
    status, body = request(server + "/predict", json.dumps(batch[0].tolist()).encode(), "application/json")
    assert status == 200 and len(json.loads(body)["predictions"]) == 1


def test_concurrent_requests_are_micro_batched(server):
    image = CAT.read_bytes()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: request(server + "/predict", image, "image/jpeg"), range(48)))
    assert all(status == 200 for status, _ in results)
    assert len({body for _, body in results}) == 1  # batched or not, every answer is the same
    status, body = request(server + "/metrics")
    text = body.decode()
    count, samples = metric_value(text, "cnnengine_batch_size_count"), metric_value(text, "cnnengine_batch_size_sum")
    assert samples > count  # some network calls held several requests


@pytest.mark.parametrize("data, content_type, status, message", [
    (b"<html>not an image</html>", "image/jpeg", 400, "cannot decode image bytes"),
    (CAT.read_bytes()[:3000], "image/jpeg", 400, "cannot decode"),
    (b"", "image/jpeg", 400, "empty request body"),
    (b"[[1, 2", "application/json", 400, "JSON body must be"),
    (b'{"wrong": 1}', "application/json", 400, "JSON body must be"),
    (json.dumps([[1.0, 2.0]]).encode(), "application/json", 400, "must be N x 3 x"),
    (json.dumps(np.zeros((1, 3, 2, 2)).tolist()).encode(), "application/json", 400, "too small"),
    (b"\0" * 300_000, "image/png", 413, "over the limit"),
])
def test_bad_input_is_4xx_never_500(server, data, content_type, status, message):
    got, body = request(server + "/predict", data, content_type)
    assert got == status, body
    assert message in json.loads(body)["error"]


def test_bad_top_and_unknown_route(server):
    assert request(server + "/predict?top=zero", CAT.read_bytes(), "image/jpeg")[0] == 400
    assert request(server + "/nowhere")[0] == 404


def test_metrics_in_prometheus_format(server):
    request(server + "/predict", b"garbage", "image/jpeg")
    status, body = request(server + "/metrics")
    text = body.decode()
    assert status == 200
    assert "# TYPE cnnengine_request_latency_seconds histogram" in text
    assert 'cnnengine_requests_total{path="/predict",status="200"}' in text
    assert 'cnnengine_requests_total{path="/predict",status="400"}' in text
    assert 'cnnengine_request_latency_seconds_bucket{le="+Inf"}' in text
    assert metric_value(text, "cnnengine_errors_total") >= 1


def test_two_worker_processes(model_file):
    process, base = start_server(model_file, "--workers", "2")
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: request(base + "/predict", CAT.read_bytes(), "image/jpeg"), range(16)))
        assert all(status == 200 for status, _ in results)
        assert len({body for _, body in results}) == 1
    finally:
        stop_server(process)
