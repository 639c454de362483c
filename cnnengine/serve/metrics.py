"""Prometheus text-format metrics for the server: counters and fixed-bucket histograms."""
import threading
from collections import Counter
from typing import Dict, Sequence

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)


class Histogram:
    def __init__(self, buckets: Sequence[float]):
        self.buckets = tuple(buckets)
        self.counts = [0] * len(self.buckets)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1
        self.total += 1
        self.sum += value

    def lines(self, name: str):
        for bound, count in zip(self.buckets, self.counts):
            yield f'{name}_bucket{{le="{bound:g}"}} {count}'
        yield f'{name}_bucket{{le="+Inf"}} {self.total}'
        yield f"{name}_sum {self.sum:.6f}"
        yield f"{name}_count {self.total}"


class Metrics:
    """Thread-safe: handlers and the batcher record, /metrics renders."""

    def __init__(self):
        self._lock = threading.Lock()
        self.requests: Dict[tuple, int] = Counter()  # (path, status) -> count
        self.latency = Histogram(LATENCY_BUCKETS_S)
        self.batch_size = Histogram(BATCH_BUCKETS)

    def record_request(self, path: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(path, status)] += 1
            if path == "/predict":
                self.latency.observe(seconds)

    def record_batch(self, size: int) -> None:
        with self._lock:
            self.batch_size.observe(size)

    def render(self) -> str:
        with self._lock:
            lines = ["# HELP cnnengine_requests_total HTTP requests by path and status.",
                     "# TYPE cnnengine_requests_total counter"]
            lines += [f'cnnengine_requests_total{{path="{path}",status="{status}"}} {count}'
                      for (path, status), count in sorted(self.requests.items())]
            errors = sum(count for (_, status), count in self.requests.items() if status >= 400)
            lines += ["# HELP cnnengine_errors_total Requests answered with status >= 400.",
                      "# TYPE cnnengine_errors_total counter", f"cnnengine_errors_total {errors}",
                      "# HELP cnnengine_request_latency_seconds Time to answer POST /predict.",
                      "# TYPE cnnengine_request_latency_seconds histogram",
                      *self.latency.lines("cnnengine_request_latency_seconds"),
                      "# HELP cnnengine_batch_size Samples per network call.",
                      "# TYPE cnnengine_batch_size histogram",
                      *self.batch_size.lines("cnnengine_batch_size")]
        return "\n".join(lines) + "\n"
