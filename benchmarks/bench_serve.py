"""`cnnengine serve` under a bounded load on loopback: ResNet-18 (random init) behind the real
server, a fixed number of image requests from 1, 8 and 32 concurrent clients (keep-alive
connections), micro-batching on (--max-batch 8) and off (--max-batch 1), alternating server
runs. Prints req/s and p50/p99 latency per case.

    python benchmarks/bench_serve.py [--requests 64] [--clients 1 8 32] [--model resnet18]
"""
import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CAT = ROOT / "examples" / "cat.jpg"
MODES = {"batching on": ["--max-batch", "8", "--max-wait-ms", "5"], "batching off": ["--max-batch", "1"]}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model_path, options):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "cnnengine.cli", "serve", str(model_path), "--port", str(port),
                                *options], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def load(port, requests, clients, body):
    """Latencies (s) of `requests` POSTs shared by `clients` threads, and the wall time."""
    latencies, lock, remaining = [], threading.Lock(), [requests]

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            start = time.perf_counter()
            connection.request("POST", "/predict", body, {"Content-Type": "image/jpeg"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            with lock:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=64)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--model", default="resnet18")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from cnnengine import zoo

    body = CAT.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, f"{args.model}.npz")
        zoo.create(args.model, seed=0).save(model_path)
        print(f"{args.model}, {args.requests} requests of {len(body):,} JPEG bytes per case, "
              f"server threads = available CPUs ({os.cpu_count()} here)\n")
        print("| clients | micro-batching | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|")
        for clients in args.clients:
            for mode, options in MODES.items():
                process, port = start_server(model_path, options)
                try:
                    load(port, min(clients, args.requests), clients, body)  # warm-up
                    latencies, wall = load(port, args.requests, clients, body)
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                p50, p99 = np.percentile(np.array(latencies) * 1e3, [50, 99])
                print(f"| {clients} | {mode} | {len(latencies) / wall:.2f} | {p50:.0f} | {p99:.0f} |", flush=True)


if __name__ == "__main__":
    main()
